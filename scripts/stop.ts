// `npm stop`: stops a local stack started in the background (JupyterLab, ClickHouse endpoint, S3).
import { loadConfig } from '../lib/config';
import { stopStack } from './stack/stack';

await stopStack(loadConfig());
console.log('stopped');
