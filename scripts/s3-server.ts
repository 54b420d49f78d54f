/**
 * `npm run s3:start` / `s3:stop` / `s3:status`: the local S3 server (Ceph RGW on 127.0.0.1).
 * `start` installs Ceph from Debian first when it is missing (needs root).
 */
import { findProjectRoot, loadConfig } from '../lib/config';
import { ensureEnvFile } from './setup/env-file';
import { installS3ServerPackages, s3ServerStatus, startS3Server, stopS3Server } from './stack/s3-server';

const USAGE = 'usage: tsx scripts/s3-server.ts start|stop|status';

async function main(verb: string | undefined): Promise<void> {
  const log = (line: string) => process.stderr.write(`s3: ${line}\n`);
  if (verb === 'start') {
    ensureEnvFile(findProjectRoot());
    const config = loadConfig();
    await installS3ServerPackages({ log });
    const { endpoint, reused } = await startS3Server(config, { log });
    console.log(reused ? `S3 server already running at ${endpoint}` : `S3 server started at ${endpoint}`);
    console.log(`bucket: ${config.s3.bucket}   data and logs: ${config.storageDir}/s3`);
  } else if (verb === 'stop') {
    const { stopped } = await stopS3Server(loadConfig(), { log });
    console.log(stopped.length > 0 ? 'S3 server stopped' : 'S3 server was not running');
  } else if (verb === 'status') {
    const s = await s3ServerStatus(loadConfig());
    console.log(JSON.stringify(s, null, 2));
    if (!s.healthy) process.exitCode = 3;
  } else {
    console.error(USAGE);
    process.exitCode = 2;
  }
}

main(process.argv[2]).catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exitCode = 1;
});
