/**
 * Smooth inverse frequency (Arora, Liang, Ma 2017: "A simple but tough-to-beat baseline for sentence
 * embeddings"): weight a / (a + p(w)) per word, then remove the common component.
 */

/** The paper's recommended smoothing. */
export const SIF_A = 1e-3;
/** Zipf-Mandelbrot offset: p(rank) ∝ 1 / (rank + 2.7) fits English word frequencies well. */
const ZIPF_OFFSET = 2.7;

/**
 * SIF weights from frequency ranks: GloVe ships no counts, only frequency order, so p(w) is
 * estimated from the rank with a Zipf-Mandelbrot law normalised over the whole list.
 */
export function sifWeightsFromRanks(totalWords: number, a = SIF_A): (rank: number) => number {
  let harmonic = 0;
  for (let r = 1; r <= totalWords; r++) harmonic += 1 / (r + ZIPF_OFFSET);
  return (rank0: number) => {
    const p = 1 / ((rank0 + 1 + ZIPF_OFFSET) * harmonic);
    return a / (a + p);
  };
}

/**
 * First principal direction (uncentred) of the first `rows` vectors, by power iteration from a fixed
 * start: deterministic. Sentence averages all lean along it, which squeezes cosines together;
 * removing it spreads related and unrelated pairs apart.
 */
export function commonComponent(vectors: Float32Array, dims: number, rows: number, iterations = 50): Float32Array {
  let u = new Float64Array(dims).fill(1 / Math.sqrt(dims));
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(dims);
    for (let r = 0; r < rows; r++) {
      const off = r * dims;
      let p = 0;
      for (let d = 0; d < dims; d++) p += (vectors[off + d] as number) * (u[d] as number);
      for (let d = 0; d < dims; d++) next[d] = (next[d] as number) + p * (vectors[off + d] as number);
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += (next[d] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < dims; d++) next[d] = (next[d] as number) / norm;
    u = next;
  }
  return Float32Array.from(u);
}
