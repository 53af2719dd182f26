import type { Kafka } from 'kafkajs';
import {
  Decision,
  InspectionResult,
  PeriodClose,
  Receipt,
  RegistryCodecs,
  SummaryDeclaration,
  Topics,
  type ClearedParcel,
} from '@clearance/contracts';
import { decSum, periodClose, periodOfTime } from '@clearance/domain';
import { departures, inspectionResult, plausibleInspection } from '@clearance/generator';
import { driveLoad } from './load';
import { BatchProducer } from './produce';
import { TopicWatcher, Watched } from './watch';

export interface DemoOptions {
  parcels: number;
  seed: number;
  /** Period granularity the declaration service runs with (DAY in the demo, MONTH by default). */
  granularity: 'DAY' | 'MONTH';
  queryApiUrl?: string;
}

export interface DemoReport {
  parcels: number;
  matched: number;
  rejectedAtMatch: number;
  decisions: Record<string, number>;
  inspections: Record<string, number>;
  cleared: number;
  declarations: SummaryDeclaration[];
  seconds: number;
}

async function until(what: string, done: () => boolean, timeoutMs: number, log: (s: string) => void, status: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${status()}`);
    if (Date.now() - lastLog > 3000) {
      lastLog = Date.now();
      log(`waiting for ${what}: ${status()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A realistic demo load through the running engine: generated parcels (several platforms,
 * payers, carriers; invalid documents included) → decisions; officers' results for the
 * inspected ones; departures for the released export parcels, one held back; the period is
 * closed → summary declarations; the held-back parcel departs late → an amendment at the next
 * close. Returns the figures the report prints.
 */
export async function runDemo(kafka: Kafka, codecs: RegistryCodecs, opts: DemoOptions, log: (s: string) => void): Promise<DemoReport> {
  const started = Date.now();
  const decisions = new Map<string, Decision>();
  const cleared = new Map<string, ClearedParcel>();
  const summaries: SummaryDeclaration[] = [];
  const receiptStatus = new Map<string, Receipt[]>();
  const watcher = new TopicWatcher(kafka, codecs);
  await watcher.start([Topics.decision, Topics.cleared, Topics.summary, Topics.receipt], (r: Watched<unknown>) => {
    if (r.topic === Topics.decision.name) decisions.set(r.key, r.value as Decision);
    else if (r.topic === Topics.cleared.name) cleared.set(r.key, r.value as ClearedParcel);
    else if (r.topic === Topics.summary.name) summaries.push(r.value as SummaryDeclaration);
    else {
      const list = receiptStatus.get(r.key) ?? [];
      list.push(r.value as Receipt);
      receiptStatus.set(r.key, list);
    }
  });
  try {
    // 1. documents from platforms, payment institutions and carriers
    const load = await driveLoad(
      kafka,
      codecs,
      { parcels: opts.parcels, seed: opts.seed, startTime: Date.now(), errors: 'realistic', rate: 0, timestamps: 'event', maxDocumentDelayMs: 3000, keep: true },
      log,
    );
    const matched = load.kept.filter((p) => p.expected.match === 'MATCHED');
    const rejected = load.kept.filter((p) => p.expected.match === 'REJECTED');
    const undecided = () => matched.filter((p) => !decisions.has(p.waybillKey));
    await until('a decision for every matched parcel', () => undecided().length === 0, 120_000, log, () => {
      const left = undecided();
      const sample = left.slice(0, 3).map((p) => `${p.orderKey} (${p.scenario}${p.noise.length ? ` ${p.noise.join('+')}` : ''})`);
      return `${matched.length - left.length}/${matched.length}${sample.length ? `; still waiting for ${sample.join(', ')}` : ''}`;
    });

    // 2. officers inspect what risk selected
    const producer = new BatchProducer(kafka, codecs);
    await producer.connect();
    const inspections: Record<string, number> = {};
    const passed = new Set<string>();
    for (const p of matched) {
      const d = decisions.get(p.waybillKey)!;
      if (d.outcome !== 'INSPECT') continue;
      const { outcome, detentionCode } = plausibleInspection(p);
      const result: InspectionResult = inspectionResult(p.waybill, outcome, { at: Date.now(), detentionCode });
      await producer.add(Topics.inspection, p.waybillKey, result, Date.now());
      inspections[outcome] = (inspections[outcome] ?? 0) + 1;
      if (outcome === 'PASS') passed.add(p.waybillKey);
    }
    await producer.flush();

    // 3. released export parcels leave the country; one is held back to depart late
    const releasable = matched.filter((p) => p.ieFlag === 'E' && (decisions.get(p.waybillKey)!.outcome === 'RELEASE' || passed.has(p.waybillKey)));
    const late = releasable.pop();
    const now = Date.now();
    const flights = departures(
      releasable.map((p) => ({ waybill: p.waybill, releasedAt: now })),
      { leaveTime: () => now, reportDelayMs: () => 0 },
    );
    for (const f of flights) await producer.add(Topics.departure, f.key, f.value, now);
    await producer.flush();
    log(`${Object.values(inspections).reduce((a, b) => a + b, 0)} inspection results and ${flights.length} departures (${releasable.length} waybills) published`);
    await until('every departed parcel to clear (899)', () => releasable.every((p) => cleared.has(p.waybillKey)), 120_000, log, () => `${releasable.filter((p) => cleared.has(p.waybillKey)).length}/${releasable.length}`);

    // 4. the scheduler closes the period → summary declarations
    const period = periodOfTime(now, { granularity: opts.granularity });
    const sendClose = (close: PeriodClose) => publishPeriodClose(kafka, codecs, close);
    const before = summaries.length;
    await sendClose(periodClose(period, Date.now(), 'demo-scheduler'));
    log(`period ${period} closed`);
    await quiet(() => summaries.length, before, 3000, 60_000);

    // 5. a parcel of the closed period departs late → an amendment at the next close
    if (late) {
      const [flight] = departures([{ waybill: late.waybill, releasedAt: now }], { leaveTime: () => now, reportDelayMs: () => 0 });
      await producer.add(Topics.departure, flight.key, flight.value, Date.now());
      await producer.flush();
      await until('the late parcel to clear', () => cleared.has(late.waybillKey), 60_000, log, () => 'pending');
      const n = summaries.length;
      await sendClose(periodClose(period, Date.now(), 'demo-scheduler'));
      await quiet(() => summaries.length, n, 3000, 60_000);
    }
    await producer.disconnect();

    const outcomes: Record<string, number> = {};
    for (const p of matched) {
      const o = decisions.get(p.waybillKey)!.outcome;
      outcomes[o] = (outcomes[o] ?? 0) + 1;
    }
    return {
      parcels: load.kept.length,
      matched: matched.length,
      rejectedAtMatch: rejected.length,
      decisions: outcomes,
      inspections,
      cleared: load.kept.filter((p) => cleared.has(p.waybillKey)).length,
      declarations: summaries.filter((s) => s.period === period),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await watcher.stop();
  }
}

/** Publishes a period close to every partition of control.period.v1 (every aggregator task sees it). */
export async function publishPeriodClose(kafka: Kafka, codecs: RegistryCodecs, close: PeriodClose): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number[];
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [Topics.periodClose.name] });
    partitions = meta.topics[0].partitions.map((p) => p.partitionId);
  } finally {
    await admin.disconnect();
  }
  const producer = new BatchProducer(kafka, codecs);
  await producer.connect();
  try {
    for (const partition of partitions) await producer.add(Topics.periodClose, close.period, close, Date.now(), undefined, partition);
  } finally {
    await producer.disconnect();
  }
  return partitions.length;
}

/** Waits until `count()` moved past `from` and then stayed still for `stillMs`. */
async function quiet(count: () => number, from: number, stillMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = count();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const c = count();
    if (c !== last) {
      last = c;
      since = Date.now();
    } else if (c > from && Date.now() - since >= stillMs) return;
  }
}

/** The report `npm start` prints. */
export function formatReport(r: DemoReport, queryApiUrl?: string): string {
  const lines: string[] = [];
  const released = (r.decisions.RELEASE ?? 0) + (r.inspections.PASS ?? 0);
  lines.push('', '=== clearance-engine demo report ===');
  lines.push(`parcels sent: ${r.parcels} (matched ${r.matched}, rejected at the three-document match ${r.rejectedAtMatch}, others pending/withdrawn)`);
  lines.push(
    `risk decisions: RELEASE ${r.decisions.RELEASE ?? 0}, INSPECT ${r.decisions.INSPECT ?? 0}, HOLD ${r.decisions.HOLD ?? 0}, REJECT ${r.decisions.REJECT ?? 0}`,
  );
  lines.push(`inspections: PASS ${r.inspections.PASS ?? 0}, SEIZE ${r.inspections.SEIZE ?? 0}, RETURN ${r.inspections.RETURN ?? 0}; released in all ${released}`);
  lines.push(`cleared (released and departed, 899): ${r.cleared}`);
  lines.push(`summary declarations: ${r.declarations.length}`);
  const shown = [...r.declarations].sort((a, b) => b.listCount - a.listCount).slice(0, 12);
  for (const d of shown) {
    lines.push(
      `  ${d.declarationNo} ${d.kind.padEnd(9)} consignor ${d.ebcCode} mode ${d.trafMode} to ${d.country} via ${d.portCode} ` +
        `trade ${d.tradeMode}: ${d.listCount} lists, ${d.lines.length} lines, FOB ${d.totalFobCny} CNY, rebate ${d.totalRebateCny} CNY`,
    );
  }
  if (r.declarations.length > shown.length) lines.push(`  … and ${r.declarations.length - shown.length} more (GET /declarations on the query API)`);
  lines.push(
    `total FOB ${decSum(r.declarations.map((d) => d.totalFobCny))} CNY, ` +
      `export tax rebate ${decSum(r.declarations.map((d) => d.totalRebateCny))} CNY`,
  );
  lines.push(`demo took ${r.seconds.toFixed(1)} s`);
  if (queryApiUrl) lines.push(`query API: ${queryApiUrl} (OpenAPI at ${queryApiUrl}/api/docs)`);
  return lines.join('\n');
}
