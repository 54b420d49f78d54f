/** @file What both run paths (materialised, into a pipe) get: the statement on its Session, and the engine's services. */
import type { QueryKind } from '../sql';
import type { EngineError } from './errors';
import type { FifoPool } from './fifo';
import type { RunningQueries } from './running';
import type { Handle } from './sessions';
import type { SessionRunner } from './settings';
import type { EngineRequest, EngineSummary } from './types';

/** One statement on its way through the engine. */
export interface RunContext {
  handle: Handle;
  /** The statements run before the query (USE, SET) and the query, as one text. */
  text: string;
  /** The leading comment that names this run in system.processes (for KILL QUERY). */
  marker: string;
  format: string;
  queryId: string;
  kind: QueryKind;
  request: EngineRequest;
  started: number;
  /** Records the query once, and gives the Session back (or settles a named one). */
  finish: (ok: boolean, s: EngineSummary, e?: EngineError) => void;
}

/** The engine's services the run paths use. */
export interface RunHost {
  readonly running: RunningQueries;
  readonly fifos: FifoPool;
  readonly secrets: ReadonlyArray<string>;
  /** Cancels the query named by a marker (best effort). */
  kill(marker: string): Promise<void>;
  /** Runs a statement on a Session, tracked. */
  runOn: SessionRunner;
}
