import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { observabilitySuite } from '../helpers/observability-suite';

observabilitySuite('embedded engine', async () => {
  const dataPath = mkdtempSync(join(tmpdir(), 'kit-observability-'));
  const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
  return { client: connect({ config, mode: 'embedded' }), config, mode: 'embedded' };
});
