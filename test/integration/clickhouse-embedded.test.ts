import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, connectionInfo } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { clickhouseSuite } from '../helpers/clickhouse-suite';

clickhouseSuite('embedded engine', async () => {
  const dataPath = mkdtempSync(join(tmpdir(), 'kit-embedded-'));
  const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
  const client = connect({ config, mode: 'embedded' });
  if (connectionInfo(client)?.mode !== 'embedded') throw new Error('expected the embedded engine');
  return { client, database: config.clickhouse.database };
});
