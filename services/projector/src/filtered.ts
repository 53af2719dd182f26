import type { ProjectionBatch } from './writer';

/**
 * A fetch whose records kafkajs filtered out entirely (an aborted transaction, transaction
 * markers) never reaches `eachBatch`: kafkajs moves its position past them by itself and only
 * emits END_BATCH_PROCESS with `batchSize` 0. The projector and the replay store that progress
 * as an offset-only batch, or their stored offsets would stay behind the log's end for good
 * (an aborted transaction at the end of a partition, e.g. after a processor was killed).
 */
export function filteredBatch(e: {
  topic: string;
  partition: number;
  batchSize: number;
  firstOffset: string | null;
  lastOffset: string;
}): ProjectionBatch | null {
  if (e.batchSize !== 0 || e.firstOffset === null) return null;
  return {
    topic: e.topic,
    partition: e.partition,
    fetchedOffset: Number(e.firstOffset),
    endOffset: Number(e.lastOffset) + 1,
    records: [],
  };
}

/** Work per topic-partition in order: what is queued on a partition runs after what was queued before. */
export class PartitionQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Queues `work` on `tp`; the returned promise settles with it (a failure does not block the queue). */
  push(tp: string, work: () => Promise<void>): Promise<void> {
    const run = (this.tails.get(tp) ?? Promise.resolve()).then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(tp, tail);
    void tail.then(() => {
      if (this.tails.get(tp) === tail) this.tails.delete(tp);
    });
    return run;
  }

  /** Settles when everything queued on `tp` so far has. */
  idle(tp: string): Promise<void> {
    return this.tails.get(tp) ?? Promise.resolve();
  }

  /** Settles when everything queued so far has. */
  async drain(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
