/**
 * @file Starting the engine on a data folder: the folder lock, the S3 preflight, the environment
 * its config reads, the first chDB Session (which starts ClickHouse) and the kit's own tables.
 */
import { Session } from 'chdb';
import { useStatement, WarehouseLockedError } from '../sql';
import { EngineError } from './errors';
import { claimDataFolder, readDataFolderOwner, releaseDataFolder } from './lock';
import { KIT_DATABASE, QUERY_LOG_DDL } from './query-log-table';
import { isReachableSync, tablesNeedingS3 } from './s3-dependency';
import { SYSTEM_QUERY_LOG_VIEW } from './system-query-log';
import type { EngineOptions } from './types';

/** Starts the engine and returns its anchor Session (the one that keeps it running). */
export function startEngine(options: EngineOptions): Session {
  const { dataPath } = options;
  claimDataFolder(dataPath);
  let anchor: Session;
  try {
    if (options.s3Endpoint) assertS3ReachableFor(dataPath, options.s3Endpoint);
    for (const [k, v] of Object.entries(options.environment ?? {})) process.env[k] = v;
    anchor = openAnchor(options);
  } catch (e) {
    releaseDataFolder(dataPath);
    throw e;
  }
  const setup = [`CREATE DATABASE IF NOT EXISTS ${KIT_DATABASE}`, QUERY_LOG_DDL, SYSTEM_QUERY_LOG_VIEW];
  if (options.database) setup.push(`CREATE DATABASE IF NOT EXISTS ${useStatement(options.database).slice(4)}`);
  for (const sql of setup) anchor.query(sql, 'TSV');
  return anchor;
}

function openAnchor(options: EngineOptions): Session {
  try {
    // The first Session on a path starts the engine with its arguments; later ones share it.
    const args = options.configFile ? [`--config-file=${options.configFile}`] : [];
    return new Session(options.dataPath, { connectionArgs: args });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/Failed to create connection|lock|already/i.test(msg)) {
      const owner = readDataFolderOwner(options.dataPath);
      throw new WarehouseLockedError(options.dataPath, owner?.pid, owner?.url);
    }
    throw new EngineError(`Could not start the embedded ClickHouse engine on ${options.dataPath}: ${msg}`, {
      cause: e,
      type: 'ENGINE_START_FAILED',
    });
  }
}

/** Refuses to start (instead of hanging for minutes) when stored tables need an S3 server that is down. */
function assertS3ReachableFor(dataPath: string, endpoint: string): void {
  const tables = tablesNeedingS3(dataPath);
  if (tables.length === 0 || isReachableSync(endpoint)) return;
  const shown = tables.slice(0, 3).join(', ') + (tables.length > 3 ? ` and ${tables.length - 3} more` : '');
  throw new EngineError(
    `The warehouse in ${dataPath} has tables stored in or read from S3 (${shown}), and the S3 server at ${endpoint} is not reachable. ` +
      'Start it first (`npm start`, or `npm run s3:start`), or fix S3_ENDPOINT in .env.',
    { type: 'S3_UNREACHABLE' },
  );
}
