/**
 * Generation speed: node -r @swc-node/register libs/generator/scripts/bench.ts [parcels] [seed]
 * Prints parcels/s and sends/s for clean traffic and for REALISTIC_ERRORS.
 */
import { ParcelGenerator, REALISTIC_ERRORS, NO_ERRORS, chinaWallToMs } from '../src';

const n = Number(process.argv[2] ?? 300_000);
const seed = Number(process.argv[3] ?? 1);
for (const [label, errors] of [
  ['clean', NO_ERRORS],
  ['realistic errors', REALISTIC_ERRORS],
] as const) {
  const warm = new ParcelGenerator({ seed, startTime: chinaWallToMs(2026, 11, 2), errors });
  for (let i = 0; i < 20_000; i++) warm.next();
  const gen = new ParcelGenerator({ seed, startTime: chinaWallToMs(2026, 11, 2), errors });
  let sends = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sends += gen.next().sends.length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(
    `${label}: ${n} parcels in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en')} parcels/s (${Math.round(sends / s).toLocaleString('en')} sends/s)`,
  );
}
