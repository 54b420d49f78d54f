// `npm run engine:version`: connects the way every notebook does and prints how and to what.
import { connect, connectionInfo, serverVersion } from '../lib/clickhouse';

const client = connect();
try {
  const info = connectionInfo(client);
  const where = info?.mode === 'embedded' ? `embedded engine, data in ${info.dataPath}` : `${info?.mode} ${info?.url}`;
  console.log(`ClickHouse ${await serverVersion(client)} (${where})`);
} finally {
  await client.close();
}
