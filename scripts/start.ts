// `npm start`: sets up what is missing, starts the local stack (S3, ClickHouse endpoint, JupyterLab),
// prints where everything is, and stops what it started on Ctrl-C. `npm start -- --background`
// leaves the stack running (stop it with `npm stop`).
import { findProjectRoot, loadConfig } from '../lib/config';
import { ensureEnvFile } from './setup/env-file';
import { ignoreClosedOutput } from './stack/process';
import { ensureSetup, startStack, stopStack } from './stack/stack';

const background = process.argv.includes('--background') || process.argv.includes('-d');
ignoreClosedOutput();
ensureEnvFile(findProjectRoot());
const config = loadConfig();

try {
  await ensureSetup(config);
  const info = await startStack(config);
  console.log('');
  console.log('The kit is running (embedded ClickHouse engine behind a local endpoint):');
  console.log(
    `  ClickHouse  ${info.clickhouseUrl}   user ${config.clickhouse.user}, password in .env (CLICKHOUSE_PASSWORD)`,
  );
  console.log(
    `  S3          ${info.s3Endpoint}   bucket ${config.s3.bucket}, keys in .env (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)`,
  );
  console.log(`  JupyterLab  ${info.jupyterUrl}   token in .env (JUPYTER_TOKEN)`);
  console.log(`  logs        ${config.storageDir}/logs/`);
  console.log('');
  if (background) {
    console.log('Running in the background: `npm stop` stops it.');
    process.exit(0);
  }
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping ...');
    await stopStack(config);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  setInterval(() => undefined, 60_000);
} catch (e) {
  console.error(`npm start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
