import type { Metrics } from './prom';
import { round } from './stats';

/** What the runtime's own counters say about a service over a run (all instances summed). */
export interface RuntimeFigures {
  recordsIn: Record<string, number>;
  recordsOut: Record<string, number>;
  deadLetters: number;
  transactionsCommitted: number;
  transactionsAborted: number;
  /** Input records per committed transaction. */
  avgTransactionRecords: number;
  /** Mean wall time of a transaction's commit (sends, offsets, EndTxn), ms. */
  avgCommitMs: number;
  /** Mean wall time of a batch (processing + commit), ms. */
  avgBatchMs: number;
  rebalances: number;
}

export function runtimeFigures(scrapes: ReadonlyArray<Metrics>): RuntimeFigures {
  const sum = (f: (m: Metrics) => number) => scrapes.reduce((a, m) => a + f(m), 0);
  const merge = (f: (m: Metrics) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const m of scrapes) for (const [k, v] of Object.entries(f(m))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const committed = sum((m) => m.sum('streams_transactions_committed_total'));
  const batch = {
    count: sum((m) => m.sum('streams_batch_size_count')),
    sum: sum((m) => m.sum('streams_batch_size_sum')),
  };
  const commit = {
    count: sum((m) => m.sum('streams_transaction_commit_seconds_count')),
    sum: sum((m) => m.sum('streams_transaction_commit_seconds_sum')),
  };
  const batchTime = {
    count: sum((m) => m.sum('streams_batch_duration_seconds_count')),
    sum: sum((m) => m.sum('streams_batch_duration_seconds_sum')),
  };
  return {
    recordsIn: merge((m) => m.by('streams_records_in_total', 'topic')),
    recordsOut: merge((m) => m.by('streams_records_out_total', 'topic')),
    deadLetters: sum((m) => m.sum('streams_dead_letters_total')),
    transactionsCommitted: committed,
    transactionsAborted: sum((m) => m.sum('streams_transactions_aborted_total')),
    avgTransactionRecords: batch.count ? round(batch.sum / batch.count) : 0,
    avgCommitMs: commit.count ? round((commit.sum / commit.count) * 1000) : 0,
    avgBatchMs: batchTime.count ? round((batchTime.sum / batchTime.count) * 1000) : 0,
    rebalances: sum((m) => m.sum('streams_rebalances_total')),
  };
}
