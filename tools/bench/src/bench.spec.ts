import { DecisionLog } from './decisions';
import { Metrics } from './prom';
import { compareWithTargets, formatReport } from './report';
import { restoreFigures } from './restore';
import { runtimeFigures } from './service-metrics';
import { percentile, summarize, table } from './stats';

const PROM = `
# HELP streams_records_in_total Input records processed (committed)
# TYPE streams_records_in_total counter
streams_records_in_total{app="m",topic="ceb.order.v1",service="matcher"} 10
streams_records_in_total{app="m",topic="ceb.payment.v1",service="matcher"} 5
streams_transactions_committed_total{app="m",service="matcher"} 3
streams_batch_size_sum{app="m",service="matcher"} 15
streams_batch_size_count{app="m",service="matcher"} 3
streams_transaction_commit_seconds_sum{app="m",service="matcher"} 0.3
streams_transaction_commit_seconds_count{app="m",service="matcher"} 3
streams_restore_duration_seconds_bucket{le="0.5",app="m",service="matcher"} 1
streams_restore_duration_seconds_bucket{le="1",app="m",service="matcher"} 1
streams_restore_duration_seconds_bucket{le="2.5",app="m",service="matcher"} 2
streams_restore_duration_seconds_bucket{le="+Inf",app="m",service="matcher"} 2
streams_restore_duration_seconds_sum{app="m",service="matcher"} 2.2
streams_restore_duration_seconds_count{app="m",service="matcher"} 2
streams_restore_records_total{app="m",topic="m.cases.changelog",service="matcher"} 100
streams_restore_records_total{app="m",topic="m.__checkpoint.changelog",service="matcher"} 4
streams_store_entries{app="m",store="cases",service="matcher"} 100
weird_label{a="x \\"quoted\\" y"} +Inf
`;

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const v = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes the finite values only', () => {
    const s = summarize([3, NaN, 1, 2, Infinity]);
    expect(s).toMatchObject({ count: 3, min: 1, p50: 2, max: 3, mean: 2 });
  });

  it('formats a table with numbers right-aligned', () => {
    expect(
      table([
        ['a', 'n'],
        ['x', 5],
        ['yy', 123.456],
      ]),
    ).toBe('a     n\n--  ---\nx     5\nyy  123');
  });
});

describe('Prometheus text', () => {
  const m = Metrics.parse(PROM);

  it('parses samples with labels and special values', () => {
    expect(m.sum('streams_records_in_total')).toBe(15);
    expect(m.sum('streams_records_in_total', { topic: 'ceb.order.v1' })).toBe(10);
    expect(m.by('streams_records_in_total', 'topic')).toEqual({ 'ceb.order.v1': 10, 'ceb.payment.v1': 5 });
    expect(m.select('weird_label')[0]).toEqual({
      name: 'weird_label',
      labels: { a: 'x "quoted" y' },
      value: Infinity,
    });
  });

  it('reads a histogram: count, sum and the bucket bound of the largest observation', () => {
    expect(m.histogram('streams_restore_duration_seconds')).toEqual({ count: 2, sum: 2.2, maxAtMost: 2.5 });
    expect(m.histogram('absent')).toEqual({ count: 0, sum: 0, maxAtMost: 0 });
  });

  it('sums runtime figures over instances', () => {
    const f = runtimeFigures([m, m]);
    expect(f.recordsIn).toEqual({ 'ceb.order.v1': 20, 'ceb.payment.v1': 10 });
    expect(f.transactionsCommitted).toBe(6);
    expect(f.avgTransactionRecords).toBe(5);
    expect(f.avgCommitMs).toBe(100);
  });

  it('takes the restore time from the per-task log lines when every task logged one, else the histogram', () => {
    const fromLog = restoreFigures(m, [
      { task: 0, records: 50, ms: 900 },
      { task: 1, records: 54, ms: 1300 },
    ]);
    expect(fromLog).toMatchObject({
      seconds: 1.3,
      source: 'log',
      tasks: 2,
      records: 104,
      maxTaskSecondsAtMost: 2.5,
      meanTaskSeconds: 1.1,
    });
    expect(fromLog.recordsPerSecond).toBe(80);
    expect(restoreFigures(m, [])).toMatchObject({ seconds: 1.1, source: 'histogram' });
  });
});

describe('DecisionLog', () => {
  const parcels = [
    { waybillKey: 'W:1', orderKey: 'O:1', decides: true },
    { waybillKey: 'W:2', orderKey: 'O:2', decides: true },
    { waybillKey: 'W:3', orderKey: 'O:3', decides: false },
  ];

  it('times the first decision of each parcel and counts duplicates, foreign and unexpected ones', () => {
    const d = new DecisionLog(parcels, 'v1+run');
    d.origin = 1000;
    const v = 'v1+run';
    d.onDecision('W:2', { lastDocumentTime: 1000, ruleSetVersion: 'v1' }, 1050); // another engine
    d.onDecision('W:1', { lastDocumentTime: 1000, ruleSetVersion: v }, 1100);
    d.onDecision('W:1', { lastDocumentTime: 1000, ruleSetVersion: v }, 1200);
    d.onDecision('X:9', { lastDocumentTime: 1000, ruleSetVersion: v }, 1200);
    expect(d.complete).toBe(false);
    d.onDecision('W:2', { lastDocumentTime: 1500, ruleSetVersion: v }, 2800);
    d.onDecision('W:3', { lastDocumentTime: 1500, ruleSetVersion: v }, 2900);
    expect(d.expected).toBe(2);
    expect(d.complete).toBe(true);
    expect({
      decided: d.decided,
      duplicates: d.duplicates,
      foreign: d.foreign,
      unexpected: d.unexpected,
    }).toEqual({
      decided: 3,
      duplicates: 1,
      foreign: 2,
      unexpected: 1,
    });
    expect(d.latencySummary()).toMatchObject({ count: 3, min: 100, max: 1400, p50: 1300 });
    expect(d.perSecond).toEqual([1, 2]);
    expect(d.latencyAfter(1000)).toMatchObject({ count: 2, min: 1300, max: 1400 });
    expect(d.latencyTimeline(1000)).toEqual([
      { at: 0, n: 1, p50: 100, p99: 100, max: 100 },
      { at: 1, n: 2, p50: 1300, p99: 1400, max: 1400 },
    ]);
  });
});

describe('targets', () => {
  it('compares, scaling the restore time linearly to a million pending cases, and prints a table', () => {
    const report = {
      startedAt: 'now',
      machine: { cpus: 2, cpuModel: 'x', memoryGiB: 1, node: 'v20', kafka: '3.9.1', os: 'Linux' },
      loadAverageAtStart: [1, 1, 1],
      partitions: 12,
      restore: { pending: 250_000, restore: { seconds: 2 } },
    } as never;
    const targets = compareWithTargets(report);
    expect(targets.restoreSeconds).toMatchObject({ linearTo1M: 8, met: true });
    expect(targets.parcelsPerSecond.met).toBeUndefined();
    expect(formatReport({ ...(report as object), restore: undefined, targets } as never)).toContain(
      'restore s for 1M pending (linear from 250000)',
    );
  });
});
