import { Counter, Gauge, Histogram, Registry } from 'prom-client';

type Labels<T extends string> = Partial<Record<T, string | number>>;

/**
 * The runtime's Prometheus metrics, registered in a Registry passed in (or one per runtime;
 * never the global one). Several runtimes may share a registry: metrics are looked up by name
 * before being created, and every series carries the `app` label.
 */
export class StreamsMetrics {
  readonly recordsIn: Counter<'app' | 'topic'>;
  readonly recordsOut: Counter<'app' | 'topic'>;
  readonly deadLetters: Counter<'app' | 'topic' | 'kind'>;
  readonly batchSize: Histogram<'app'>;
  readonly batchDuration: Histogram<'app'>;
  readonly commitDuration: Histogram<'app'>;
  readonly transactionsCommitted: Counter<'app'>;
  readonly transactionsAborted: Counter<'app' | 'reason'>;
  readonly lag: Gauge<'app' | 'topic' | 'partition'>;
  readonly restoreDuration: Histogram<'app'>;
  readonly restoreRecords: Counter<'app' | 'topic'>;
  readonly standbyRecords: Counter<'app' | 'topic'>;
  readonly standbyTasks: Gauge<'app' | 'state'>;
  readonly tasksAssigned: Gauge<'app'>;
  readonly tasksRunning: Gauge<'app'>;
  readonly rebalances: Counter<'app'>;
  readonly punctuations: Counter<'app'>;
  readonly idleWaits: Counter<'app' | 'topic'>;
  readonly enforcedProcessing: Counter<'app' | 'topic'>;
  readonly globalRecords: Counter<'app' | 'table'>;
  readonly globalErrors: Counter<'app' | 'table'>;
  readonly storeEntries: Gauge<'app' | 'store'>;

  constructor(
    readonly registry: Registry,
    private readonly app: string,
    prefix = 'streams_',
  ) {
    const get = <M>(name: string, make: () => M): M =>
      (registry.getSingleMetric(prefix + name) as M | undefined) ?? make();
    const registers = [registry];
    this.recordsIn = get(
      'records_in_total',
      () =>
        new Counter({
          name: `${prefix}records_in_total`,
          help: 'Input records processed (committed)',
          labelNames: ['app', 'topic'],
          registers,
        }),
    );
    this.recordsOut = get(
      'records_out_total',
      () =>
        new Counter({
          name: `${prefix}records_out_total`,
          help: 'Records produced to output and DLQ topics (committed)',
          labelNames: ['app', 'topic'],
          registers,
        }),
    );
    this.deadLetters = get(
      'dead_letters_total',
      () =>
        new Counter({
          name: `${prefix}dead_letters_total`,
          help: 'Input records sent to a DLQ',
          labelNames: ['app', 'topic', 'kind'],
          registers,
        }),
    );
    this.batchSize = get(
      'batch_size',
      () =>
        new Histogram({
          name: `${prefix}batch_size`,
          help: 'Input records per task transaction',
          labelNames: ['app'],
          buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 25000],
          registers,
        }),
    );
    this.batchDuration = get(
      'batch_duration_seconds',
      () =>
        new Histogram({
          name: `${prefix}batch_duration_seconds`,
          help: 'Processing + commit time of a task batch',
          labelNames: ['app'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    );
    this.commitDuration = get(
      'transaction_commit_seconds',
      () =>
        new Histogram({
          name: `${prefix}transaction_commit_seconds`,
          help: 'Time to send, send offsets and commit one transaction',
          labelNames: ['app'],
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    );
    this.transactionsCommitted = get(
      'transactions_committed_total',
      () =>
        new Counter({
          name: `${prefix}transactions_committed_total`,
          help: 'Committed task transactions',
          labelNames: ['app'],
          registers,
        }),
    );
    this.transactionsAborted = get(
      'transactions_aborted_total',
      () =>
        new Counter({
          name: `${prefix}transactions_aborted_total`,
          help: 'Failed task transactions',
          labelNames: ['app', 'reason'],
          registers,
        }),
    );
    this.lag = get(
      'consumer_lag',
      () =>
        new Gauge({
          name: `${prefix}consumer_lag`,
          help: 'High watermark minus committed position, per input partition',
          labelNames: ['app', 'topic', 'partition'],
          registers,
        }),
    );
    this.restoreDuration = get(
      'restore_duration_seconds',
      () =>
        new Histogram({
          name: `${prefix}restore_duration_seconds`,
          help: 'Time to restore a task from its changelogs',
          labelNames: ['app'],
          buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
    );
    this.restoreRecords = get(
      'restore_records_total',
      () =>
        new Counter({
          name: `${prefix}restore_records_total`,
          help: 'Changelog records applied while restoring',
          labelNames: ['app', 'topic'],
          registers,
        }),
    );
    this.standbyRecords = get(
      'standby_records_total',
      () =>
        new Counter({
          name: `${prefix}standby_records_total`,
          help: 'Changelog records applied to standby tasks',
          labelNames: ['app', 'topic'],
          registers,
        }),
    );
    this.standbyTasks = get(
      'standby_tasks',
      () =>
        new Gauge({
          name: `${prefix}standby_tasks`,
          help: 'Standby tasks of this instance, by state (following: catching up; caught_up: at the end of its changelogs at the last fetch)',
          labelNames: ['app', 'state'],
          registers,
        }),
    );
    this.tasksAssigned = get(
      'tasks_assigned',
      () =>
        new Gauge({
          name: `${prefix}tasks_assigned`,
          help: 'Tasks assigned to this instance',
          labelNames: ['app'],
          registers,
        }),
    );
    this.tasksRunning = get(
      'tasks_running',
      () =>
        new Gauge({
          name: `${prefix}tasks_running`,
          help: 'Assigned tasks restored and running',
          labelNames: ['app'],
          registers,
        }),
    );
    this.rebalances = get(
      'rebalances_total',
      () =>
        new Counter({
          name: `${prefix}rebalances_total`,
          help: 'Group joins (rebalances) seen',
          labelNames: ['app'],
          registers,
        }),
    );
    this.punctuations = get(
      'punctuations_total',
      () =>
        new Counter({
          name: `${prefix}punctuations_total`,
          help: 'Punctuator runs (committed)',
          labelNames: ['app'],
          registers,
        }),
    );
    this.idleWaits = get(
      'task_idle_waits_total',
      () =>
        new Counter({
          name: `${prefix}task_idle_waits_total`,
          help: 'Times a task stopped merging its inputs to wait for an input with records on the broker not fetched yet',
          labelNames: ['app', 'topic'],
          registers,
        }),
    );
    this.enforcedProcessing = get(
      'enforced_processing_total',
      () =>
        new Counter({
          name: `${prefix}enforced_processing_total`,
          help: 'Times a task went on without an input it waited for longer than maxTaskIdleMs (records may be processed out of timestamp order)',
          labelNames: ['app', 'topic'],
          registers,
        }),
    );
    this.globalRecords = get(
      'global_records_total',
      () =>
        new Counter({
          name: `${prefix}global_records_total`,
          help: 'Records applied to global tables',
          labelNames: ['app', 'table'],
          registers,
        }),
    );
    this.globalErrors = get(
      'global_errors_total',
      () =>
        new Counter({
          name: `${prefix}global_errors_total`,
          help: 'Global table records that did not decode',
          labelNames: ['app', 'table'],
          registers,
        }),
    );
    this.storeEntries = get(
      'store_entries',
      () =>
        new Gauge({
          name: `${prefix}store_entries`,
          help: 'Committed entries in the state stores of assigned tasks',
          labelNames: ['app', 'store'],
          registers,
        }),
    );
  }

  labels<T extends string>(extra: Labels<T> = {}): Record<string, string | number> {
    return { app: this.app, ...(extra as Record<string, string | number>) };
  }
}

export function createRegistry(): Registry {
  return new Registry();
}
