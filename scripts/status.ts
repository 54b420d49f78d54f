// `npm run status`: what of the local stack is running.
import { loadConfig } from '../lib/config';
import { stackStatus } from './stack/stack';

console.log(JSON.stringify(await stackStatus(loadConfig()), null, 2));
