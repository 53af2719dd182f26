import { filteredBatch, PartitionQueue } from './filtered';

describe('fetches filtered to nothing', () => {
  it('give an offset-only batch from the first to past the last filtered record', () => {
    // an aborted record at 11 and its abort marker at 12: the stored offset goes to 13
    expect(
      filteredBatch({ topic: 't', partition: 2, batchSize: 0, firstOffset: '11', lastOffset: '12' }),
    ).toEqual({
      topic: 't',
      partition: 2,
      fetchedOffset: 11,
      endOffset: 13,
      records: [],
    });
  });

  it('give nothing for batches eachBatch saw, or with no record at or past the fetched offset', () => {
    expect(
      filteredBatch({ topic: 't', partition: 0, batchSize: 3, firstOffset: '0', lastOffset: '2' }),
    ).toBeNull();
    expect(
      filteredBatch({ topic: 't', partition: 0, batchSize: 0, firstOffset: null, lastOffset: '7' }),
    ).toBeNull();
  });
});

describe('PartitionQueue', () => {
  const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('runs the work of one partition in order, other partitions alongside, and a failure does not block', async () => {
    const q = new PartitionQueue();
    const done: string[] = [];
    const first = q.push('a|0', async () => {
      await later(20);
      done.push('a1');
    });
    const failing = q.push('a|0', async () => {
      done.push('a2');
      throw new Error('boom');
    });
    const third = q.push('a|0', async () => {
      done.push('a3');
    });
    const other = q.push('b|0', async () => {
      done.push('b1');
    });
    await expect(failing).rejects.toThrow('boom');
    await Promise.all([first, third, other]);
    expect(done).toEqual(['b1', 'a1', 'a2', 'a3']);
  });

  it('idle and drain settle once what was queued before has', async () => {
    const q = new PartitionQueue();
    let finished = false;
    void q.push('a|0', async () => {
      await later(10);
      finished = true;
    });
    await q.idle('a|0');
    expect(finished).toBe(true);
    await q.idle('never|0'); // nothing queued: settles at once
    let drained = false;
    void q.push('b|1', () => later(5).then(() => void (drained = true)));
    await q.drain();
    expect(drained).toBe(true);
  });
});
