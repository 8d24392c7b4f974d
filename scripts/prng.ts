/**
 * mulberry32: a small, fast, seeded pseudo-random generator. Generated corpora and benchmarks use it so that
 * the same seed gives the same bytes on every machine (it is not for anything secret).
 *
 * @example const next = mulberry32(42); next() // a number in [0, 1), the same for seed 42 everywhere
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
