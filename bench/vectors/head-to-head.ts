/**
 * The kit's and LanceDB's best searches at the recall goal timed again side by side: query i on
 * one engine, then on the other, the order alternating, so both meet the same machine load. The
 * grids time each engine minutes apart; on this shared 2-core machine the load between them moved
 * the 100k ratio from 1.33 to 1.97 in two runs of the same code.
 */
import type * as lancedb from '@lancedb/lancedb';
import { percentile, type VectorStore } from '../../lib/vectors';
import type { LanceSearch, LanceSide } from './lancedb-side';

export interface HeadToHead {
  kitP50: number;
  kitP95: number;
  lanceP50: number;
  lanceP95: number;
  /** Queries timed per engine. */
  samples: number;
}

export async function headToHead(
  kit: { store: VectorStore; efSearch: number },
  lance: { side: LanceSide; table: lancedb.Table; search: LanceSearch },
  queries: readonly Float32Array[],
  k: number,
  rounds = 3,
): Promise<HeadToHead> {
  const kitOnce = (q: Float32Array): Promise<unknown> => kit.store.search(q, k, undefined, { efSearch: kit.efSearch });
  const lanceOnce = (q: Float32Array): Promise<unknown> => lance.side.search(lance.table, q, k, lance.search);
  for (const q of queries.slice(0, 5)) {
    await kitOnce(q);
    await lanceOnce(q);
  }
  const kitMs: number[] = [];
  const lanceMs: number[] = [];
  const timed = async (run: (q: Float32Array) => Promise<unknown>, q: Float32Array, into: number[]): Promise<void> => {
    const t0 = performance.now();
    await run(q);
    into.push(performance.now() - t0);
  };
  for (let r = 0; r < rounds; r++) {
    for (const [i, q] of queries.entries()) {
      if ((i + r) % 2 === 0) {
        await timed(kitOnce, q, kitMs);
        await timed(lanceOnce, q, lanceMs);
      } else {
        await timed(lanceOnce, q, lanceMs);
        await timed(kitOnce, q, kitMs);
      }
    }
  }
  return {
    kitP50: percentile(kitMs, 50),
    kitP95: percentile(kitMs, 95),
    lanceP50: percentile(lanceMs, 50),
    lanceP95: percentile(lanceMs, 95),
    samples: kitMs.length,
  };
}
