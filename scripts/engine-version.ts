// `npm run engine:version`: connects the way every notebook does and prints how and to what.
import { connect, connectionInfo, serverVersion } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import { startWarehouseNeeds } from './stack/stack';

const config = loadConfig();
const stopWarehouseNeeds = await startWarehouseNeeds(config);
const client = connect({ config });
try {
  const info = connectionInfo(client);
  const where = info?.mode === 'embedded' ? `embedded engine, data in ${info.dataPath}` : `${info?.mode} ${info?.url}`;
  console.log(`ClickHouse ${await serverVersion(client)} (${where})`);
} finally {
  await client.close();
  await stopWarehouseNeeds();
}
