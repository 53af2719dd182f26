/**
 * Which of a task's input queues to process next (Kafka Streams' PartitionGroup): the queue whose
 * next record has the smallest timestamp, equal timestamps in the order of the queues given. While
 * a queue is empty but its partition is known to hold more on the broker (`unfetched`), the task
 * waits for it instead of running ahead on the other inputs, for at most `maxIdleMs`; then it goes
 * on without it ("enforced processing") until that input catches up. Pure: the caller passes the
 * clock and keeps the `IdleState`.
 *
 * An empty queue whose partition looked caught up is not proof that nothing older is coming: a
 * fetch may have read that partition a moment before a record was appended to it, and the record
 * in hand (same produce request, or a later one) after. With `confirmed`, the task also waits for
 * an empty input until a fetch that started after the candidate record arrived has been
 * delivered (`confirmed(arrivedAt)`), so a record is never processed ahead of an older one that
 * was already on the broker when it was fetched. Kafka Streams' max.task.idle.ms = 0 has that race.
 */

export interface QueueHead {
  /** Timestamp of the queue's next record; undefined when the queue is empty. */
  readonly head: number | undefined;
  /** The queue is empty but its partition holds records not fetched yet. */
  readonly unfetched: boolean;
  /** When the queue's next record was delivered (ms); undefined when the queue is empty. */
  readonly arrivedAt?: number;
}

export interface IdleState {
  /** Since when the task waits (0: it does not). */
  waitingSince: number;
  /** The wait outlasted maxIdleMs: the task goes on without the input until it catches up. */
  enforcing: boolean;
}

export type Choice<Q> =
  | { kind: 'next'; queue: Q; enforced?: { input: Q; waitedMs: number } }
  | { kind: 'wait'; input: Q; started: boolean }
  | { kind: 'empty' };

/**
 * `enforced` is set once per wait that outlasted `maxIdleMs` (for a log line and a metric);
 * `started` once per wait. `maxIdleMs` < 0: never wait.
 */
export function choose<Q extends QueueHead>(
  queues: Iterable<Q>,
  idle: IdleState,
  now: number,
  maxIdleMs: number,
  /** Whether every empty input has been fetched again since `arrivedAt` (see above); unset: not asked. */
  confirmed?: (arrivedAt: number) => boolean,
): Choice<Q> {
  let next: Q | undefined;
  let waitFor: Q | undefined;
  let empty: Q | undefined;
  for (const q of queues) {
    if (q.head !== undefined) {
      if (next === undefined || q.head < next.head!) next = q;
    } else if (q.unfetched && waitFor === undefined) waitFor = q;
    else if (empty === undefined) empty = q;
  }
  if (waitFor === undefined && empty !== undefined && next?.arrivedAt !== undefined && confirmed && !confirmed(next.arrivedAt))
    waitFor = empty;
  if (next === undefined || waitFor === undefined || maxIdleMs < 0) {
    // nothing queued (nothing to keep in order) or nothing to wait for: no wait goes on
    idle.waitingSince = 0;
    idle.enforcing = false;
    return next === undefined ? { kind: 'empty' } : { kind: 'next', queue: next };
  }
  const started = idle.waitingSince === 0;
  if (started) idle.waitingSince = now;
  const waitedMs = now - idle.waitingSince;
  if (waitedMs < maxIdleMs) return { kind: 'wait', input: waitFor, started };
  if (idle.enforcing) return { kind: 'next', queue: next };
  idle.enforcing = true;
  return { kind: 'next', queue: next, enforced: { input: waitFor, waitedMs } };
}
