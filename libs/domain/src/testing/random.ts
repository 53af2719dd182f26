/**
 * A small seeded random generator (mulberry32) for property checks in specs, so a failure
 * reproduces: `random()` in [0, 1), `int(n)` in 0..n-1.
 */
export function seededRandom(seed: number): { random: () => number; int: (n: number) => number } {
  let state = seed | 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { random, int: (n: number): number => Math.floor(random() * n) };
}
