import type { Admin } from 'kafkajs';
import { watermarks } from '@clearance/projector';

/** A consumer group and the topics it reads. */
export interface GroupInputs {
  groupId: string;
  topics: ReadonlyArray<string>;
}

export interface PartitionLag {
  /** The group's committed offset, or -1 where it has none. */
  committed: number;
  low: number;
  high: number;
}

/**
 * Records a group still has to read in one partition: from its committed offset (or, without
 * one, from the start of the log, as the engine's `AUTO_OFFSET_RESET=earliest` groups do) to the
 * end. A transactional topic's last record may be a commit marker the group never commits past,
 * so a caught-up group can show 1 per partition (see `caughtUp`).
 */
export function partitionLag(p: PartitionLag): number {
  const from = p.committed >= 0 ? Math.max(p.committed, p.low) : p.low;
  return Math.max(0, p.high - from);
}

/** Caught up: at most one record (a commit marker) behind per partition read. */
export const caughtUp = (lag: number, partitions: number): boolean => lag <= partitions;

/** Total lag of the groups over their topics, and how many partitions that covers. */
export async function backlog(admin: Admin, groups: ReadonlyArray<GroupInputs>): Promise<{ lag: number; partitions: number }> {
  const ends = await watermarks(admin, [...new Set(groups.flatMap((g) => g.topics))]);
  let lag = 0;
  let partitions = 0;
  for (const g of groups) {
    const committed = await admin.fetchOffsets({ groupId: g.groupId, topics: [...g.topics] });
    for (const [tp, { low, high }] of ends) {
      const [topic, partition] = tp.split('|');
      if (!g.topics.includes(topic)) continue;
      const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
      const c = Number(offsets.find((o) => o.partition === Number(partition))?.offset ?? -1);
      lag += partitionLag({ committed: c, low, high });
      partitions++;
    }
  }
  return { lag, partitions };
}

/**
 * Before the demo: where the engine's groups are behind the end of their topics (traffic that
 * tests, the benchmark or earlier runs left on this stack), says so and waits until they have
 * processed it, with progress lines. Returns false without waiting when the backlog exceeds
 * `maxWait` records (the caller decides what to do instead); fails when the backlog stops
 * shrinking for `stallMs` (the engine's own outputs feed its later stages, so it may grow at
 * first).
 */
export async function waitForBacklog(
  admin: Admin,
  groups: ReadonlyArray<GroupInputs>,
  log: (s: string) => void,
  options: { maxWait?: number; stallMs?: number; everyMs?: number } = {},
): Promise<boolean> {
  const maxWait = options.maxWait ?? Number.POSITIVE_INFINITY;
  const stallMs = options.stallMs ?? 300_000;
  const everyMs = options.everyMs ?? 5_000;
  let { lag, partitions } = await backlog(admin, groups);
  if (caughtUp(lag, partitions)) return true;
  log(
    `the engine's consumer groups are ${lag} records behind their topics (earlier traffic on this stack: tests, the benchmark, earlier runs)`,
  );
  if (lag > maxWait) return false;
  log('the engine processes them first');
  const started = Date.now();
  const first = lag;
  let best = lag;
  let bestAt = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, everyMs));
    ({ lag, partitions } = await backlog(admin, groups));
    if (caughtUp(lag, partitions)) {
      log(`caught up with the earlier records in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return true;
    }
    if (lag < best) {
      best = lag;
      bestAt = Date.now();
    } else if (Date.now() - bestAt > stallMs) {
      throw new Error(`the engine made no progress on its backlog for ${stallMs / 1000} s (${lag} records left)`);
    }
    log(`catching up: ${lag} records left (${first} at the start, ${((Date.now() - started) / 1000).toFixed(0)} s ago)`);
  }
}
