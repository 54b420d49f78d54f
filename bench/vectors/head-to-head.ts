/**
 * The kit's and LanceDB's best searches at the recall goal timed again side by side, in alternating
 * blocks (all queries on one engine, then on the other, the order swapped each round), so both meet
 * the same machine load: the grids time each engine minutes apart, and on this shared 2-core
 * machine the load between them moved the 100k ratio from 1.33 to 1.97 in two runs of the same code.
 * Blocks rather than query by query: interleaving single queries slowed the kit far more than LanceDB
 * (its grid's 4.9 -> 7.4 ms, LanceDB's 3.3 -> 3.7 ms at 100k), likely each evicting the other's index
 * from the CPU caches.
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
  rounds = 4,
): Promise<HeadToHead> {
  const kitOnce = (q: Float32Array): Promise<unknown> => kit.store.search(q, k, undefined, { efSearch: kit.efSearch });
  const lanceOnce = (q: Float32Array): Promise<unknown> => lance.side.search(lance.table, q, k, lance.search);
  const kitMs: number[] = [];
  const lanceMs: number[] = [];
  const block = async (run: (q: Float32Array) => Promise<unknown>, into: number[]): Promise<void> => {
    for (const q of queries.slice(0, 5)) await run(q);
    for (const q of queries) {
      const t0 = performance.now();
      await run(q);
      into.push(performance.now() - t0);
    }
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      await block(kitOnce, kitMs);
      await block(lanceOnce, lanceMs);
    } else {
      await block(lanceOnce, lanceMs);
      await block(kitOnce, kitMs);
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
