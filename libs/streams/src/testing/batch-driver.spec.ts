import { createHash } from 'node:crypto';
import { BatchDriver, TestDriver, type AnyProcessorDefinition } from '../index';
import { counterProcessor } from '../../test/support/processors';

const counter = () => counterProcessor('counter', 'in', 'out') as AnyProcessorDefinition;
const keys = ['a', 'b', 'a', 'c', 'a', 'b', 'a'];

describe('BatchDriver', () => {
  it('given records of one task, when committed in transactions of 3, then outputs are per record and the changelog per transaction and key', async () => {
    const driver = new BatchDriver(counter(), { partitions: 1, recordsPerTxn: 3 });
    for (const [i, key] of keys.entries()) await driver.process('in', Buffer.from(key), Buffer.from('x'), i);
    driver.flush();
    const written = driver.written();
    expect(written.out.records).toBe(7);
    // transactions [a b a] [c a b] [a]: the changelog holds each key's last value per transaction
    expect(written['counter.counts.changelog'].records).toBe(2 + 3 + 1);
    expect(written['counter.__checkpoint.changelog'].records).toBe(3);
  });

  it('given the same input on one task, then the outputs are byte for byte those of the TestDriver', async () => {
    const batch = new BatchDriver(counter(), { partitions: 1, recordsPerTxn: 2 });
    const test = new TestDriver(counterProcessor('counter', 'in', 'out'), { partitions: 1 });
    for (const [i, key] of keys.entries()) {
      await batch.process('in', Buffer.from(key), Buffer.from('x'), i);
      await test.pipe('in', key, 'x', { timestamp: i });
    }
    batch.flush();
    const hash = createHash('sha256');
    let bytes = 0;
    // the TestDriver's log of a topic is in produce order, as the BatchDriver hashes it
    for (const r of test.rawRecords('out')) {
      hash.update(r.key!);
      hash.update(r.value!);
      bytes += r.key!.length + r.value!.length;
    }
    expect(batch.written().out).toEqual({ records: 7, bytes, sha256: hash.digest('hex') });
  });
});
