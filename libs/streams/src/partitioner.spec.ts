import { murmur2, partitionForKey } from './index';
// kafkajs's Java-compatible murmur2 (its DefaultPartitioner) as the reference
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer,
) => number;

describe('murmur2 partitioner', () => {
  it('matches the Java client / kafkajs DefaultPartitioner on many keys', () => {
    const keys: Buffer[] = [Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x80])];
    for (let i = 0; i < 2000; i++) keys.push(Buffer.from(`key-${i}-${'x'.repeat(i % 7)}`));
    for (let i = 0; i < 200; i++)
      keys.push(Buffer.from(Array.from({ length: i % 37 }, (_, j) => (i * 31 + j * 17) & 0xff)));
    for (const key of keys) expect(murmur2(key)).toBe(kafkajsMurmur2(key));
  });

  it('matches known Java values', () => {
    // from org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it('maps to a partition in range', () => {
    for (let i = 0; i < 100; i++) {
      const p = partitionForKey(Buffer.from(`k${i}`), 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
    }
  });
});
