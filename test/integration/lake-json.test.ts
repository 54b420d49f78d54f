import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { startS3Server } from '../../scripts/stack/s3-server';
import { lakeJsonSuite } from '../helpers/lake-json-suite';

// A fresh embedded engine of its own; it loads compose/config/config.xml (the `lake` collection).
lakeJsonSuite('embedded engine', async () => {
  await startS3Server(loadConfig());
  const config = loadConfig({
    env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-lake-json-')) },
  });
  const client = connect({ config, mode: 'embedded' });
  return { client, config, close: () => client.close() };
});
