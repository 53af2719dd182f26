import {
  Topics,
  type Codecs,
  type FiledList,
  type Order,
  type Payment,
  type Receipt,
  type TopicSpec,
  type Waybill,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  defineProcessor,
  isPromiseLike,
  numberSerde,
  silentLogger,
  stringSerde,
  type BaseContext,
  type DeadLetterInfo,
  type Logger,
  type Serde,
} from '@clearance/streams';
import { caseSerde, rememberSource } from './case-serde';
import type { MatcherConfig } from './config';

export interface MatcherDeps {
  codecs: Codecs;
  config: MatcherConfig;
  logger?: Logger;
}

/** Key of the task's invtNo serial counter in the `serial` store. */
export const SERIAL_KEY = 'invt';

/**
 * Reason code of the receipt for a document that does not decode. Not (yet) one of the domain's
 * ReasonCode values: see the service README.
 */
export const UNDECODABLE = 'UNDECODABLE';

const KIND_BY_TOPIC: Readonly<Record<string, D.DocKind>> = {
  [Topics.order.name]: 'ORDER',
  [Topics.payment.name]: 'PAYMENT',
  [Topics.waybill.name]: 'WAYBILL',
  [Topics.list.name]: 'LIST',
};

/**
 * The three-document match (三单对碰) as a stream processor: order, payment and waybill (and in
 * four-document mode the filed list, `ceb.list.v1`), co-partitioned by order key, meet in the `cases` store and go through the domain's
 * `handleMatch`. Outputs receipts (key = the receipt's caseKey), compiled lists (key =
 * manifest.riskKey) and, for import lists, their tax bills (key = the waybill key). Case deadlines (match window, tombstone retention) come from the case itself:
 * `cases` is a timed store (its due index lives in memory, derived from the cases; no changelog
 * record of its own), and a punctuator steps the cases that are due on stream time.
 */
export function matcherProcessor(deps: MatcherDeps) {
  const { codecs, config } = deps;
  const log = deps.logger ?? silentLogger;
  const matchConfig: Partial<D.MatchConfig> = {
    windowMs: config.matchWindowMs,
    tombstoneRetentionMs: config.tombstoneRetentionMs,
  };

  /** A document topic's serde whose decoded documents remember their bytes (see rememberSource). */
  function documentSerde<V extends object>(spec: TopicSpec<V>): Serde<V> {
    const base = codecs.serde(spec);
    const remember = (doc: V, bytes: Buffer): V => {
      const body = codecs.readerBody(spec as TopicSpec<unknown>, bytes);
      if (body) rememberSource(doc, body);
      return doc;
    };
    return {
      ...base,
      deserialize(topic, bytes) {
        const doc = base.deserialize(topic, bytes);
        return isPromiseLike(doc) ? doc.then((d) => remember(d, bytes)) : remember(doc, bytes);
      },
    };
  }

  const globals = {
    enterprises: { topic: Topics.enterprise.name, value: codecs.serde(Topics.enterprise) },
    commodities: { topic: Topics.commodity.name, value: codecs.serde(Topics.commodity) },
  };
  // changelogs `<applicationId>.<store>.changelog`
  const stores = {
    /** MatchState per order key, due at its window end or tombstone purge. */
    cases: {
      value: caseSerde(),
      timer: {
        deadline: (s: D.MatchState) => D.matchDeadline(s, matchConfig),
        resolutionMs: config.timerResolutionMs,
      },
      compact: true,
      persistent: true,
    },
    /** The task's invtNo serial counter (one entry, SERIAL_KEY). */
    serial: { value: numberSerde, persistent: true },
  };
  const outputs = {
    [Topics.receipt.name]: { key: stringSerde, value: codecs.serde(Topics.receipt) },
    [Topics.manifest.name]: { key: stringSerde, value: codecs.serde(Topics.manifest) },
    /** Import lists' retail import tax bills (the CEB816 electronic tax bill's role), key: the waybill key. */
    [Topics.taxBill.name]: { key: stringSerde, value: codecs.serde(Topics.taxBill) },
  };
  type Ctx = BaseContext<typeof outputs, typeof stores, typeof globals>;

  /** Runs one command through the domain and applies the result: state, serial, outputs, deadline. */
  function step(ctx: Ctx, caseKey: string, cmd: D.MatchCommand): D.MatchResult {
    const cases = ctx.store('cases');
    const serials = ctx.store('serial');
    const enterprises = ctx.global('enterprises');
    const commodities = ctx.global('commodities');
    const state = cases.get(caseKey);
    const counter = serials.get(SERIAL_KEY) ?? 0;
    const r = D.handleMatch(state, cmd, {
      enterprise: (code) => enterprises.get(code),
      commodity: (gcode) => commodities.get(gcode),
      invtSerial: D.invtSerial(ctx.task, counter),
      config: matchConfig,
    });
    if (r.events.length === 0) return r; // a duplicate: nothing changes
    if (r.state) cases.put(caseKey, r.state);
    else if (state) cases.delete(caseKey);
    if (r.serialUsed) serials.put(SERIAL_KEY, counter + 1);
    for (const receipt of r.receipts) ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
    for (const manifest of r.manifests) ctx.emit(Topics.manifest.name, manifest.riskKey, manifest);
    for (const bill of r.taxBills) ctx.emit(Topics.taxBill.name, bill.waybillKey, bill);
    return r;
  }

  return defineProcessor({
    name: config.applicationId,
    inputs: {
      [Topics.order.name]: { key: stringSerde, value: documentSerde(Topics.order) },
      [Topics.payment.name]: { key: stringSerde, value: documentSerde(Topics.payment) },
      [Topics.waybill.name]: { key: stringSerde, value: documentSerde(Topics.waybill) },
      /** Filed lists (four-document mode; refused for a one-step platform), key: the order key. */
      [Topics.list.name]: { key: stringSerde, value: documentSerde(Topics.list) },
    },
    outputs,
    stores,
    globals,

    process(record, ctx) {
      const caseKey = record.key;
      const at = record.timestamp;
      let cmd: D.MatchCommand;
      switch (KIND_BY_TOPIC[record.topic]) {
        case 'ORDER':
          cmd = { type: 'OrderArrived', caseKey, at, order: record.value as Order };
          break;
        case 'PAYMENT':
          cmd = { type: 'PaymentArrived', caseKey, at, payment: record.value as Payment };
          break;
        case 'WAYBILL':
          cmd = { type: 'WaybillArrived', caseKey, at, waybill: record.value as Waybill };
          break;
        case 'LIST':
          cmd = { type: 'ListArrived', caseKey, at, list: record.value as FiledList };
          break;
        default:
          return ctx.reject(`${record.topic} is not a document topic of the matcher`);
      }
      step(ctx, caseKey, cmd);
    },

    punctuators: [
      {
        name: 'match-deadlines',
        every: config.timerResolutionMs,
        punctuate(ctx) {
          const now = ctx.timestamp;
          const cases = ctx.store('cases');
          let fired = 0;
          for (const caseKey of cases.due(now)) {
            const deadline = D.matchDeadline(cases.get(caseKey), matchConfig);
            if (deadline === undefined || deadline > now) continue; // due later within its bucket
            step(ctx, caseKey, { type: 'TimeAdvanced', caseKey, now });
            fired++;
          }
          if (fired > 0) log.debug({ task: ctx.task, now, fired }, 'match deadlines fired');
        },
      },
    ],

    onDeadLetter(info, ctx) {
      if (info.kind !== 'deserialization') return;
      const receipt = undecodableReceipt(info, ctx.store('cases').get(info.rawKey?.toString('utf8') ?? ''));
      if (receipt) ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
      else
        log.warn(
          { topic: info.topic, partition: info.partition, offset: info.offset },
          'undecodable document: sender unknown, no receipt (the record is on the DLQ)',
        );
    },
  });
}

/**
 * The 100 receipt for a document that does not decode, to its sender when the record tells who
 * that is: an order's platform from the order key; a payment's institution or a waybill's
 * carrier from a version of theirs already held in the case (for a payment, also the order's
 * payCode); a list's filer likewise from a list held in the case. Undefined when the sender cannot
 * be identified.
 */
export function undecodableReceipt(
  info: DeadLetterInfo,
  state: D.MatchState | undefined,
): Receipt | undefined {
  const kind = KIND_BY_TOPIC[info.topic];
  const caseKey = info.rawKey?.toString('utf8');
  if (!kind || !caseKey) return undefined;
  const sep = caseKey.indexOf(':');
  if (sep <= 0) return undefined;
  const ebpCode = caseKey.slice(0, sep);
  const orderNo = caseKey.slice(sep + 1);
  const held = state && 'order' in state ? state : undefined;
  let to: D.Addressee | undefined;
  if (kind === 'ORDER') to = { participant: 'EBP', code: ebpCode, docType: 'ORDER', docGuid: null };
  else if (kind === 'PAYMENT') {
    const code = held?.payment?.doc.payCode || held?.order?.doc.payCode;
    if (code) to = { participant: 'PAYER', code, docType: 'PAYMENT', docGuid: null };
  } else if (kind === 'LIST') {
    const code = held?.list?.doc.agentCode || held?.list?.doc.ebcCode;
    if (code) to = { participant: 'EBC', code, docType: 'LIST', docGuid: null };
  } else {
    const code = held?.waybill?.doc.logisticsCode;
    if (code) to = { participant: 'CARRIER', code, docType: 'WAYBILL', docGuid: null };
  }
  if (!to) return undefined;
  const what = kind.toLowerCase();
  return D.buildReceipt({
    to,
    ref: {
      caseKey,
      ebpCode,
      orderNo,
      logisticsCode: held?.waybill?.doc.logisticsCode ?? null,
      logisticsNo: held?.waybill?.doc.logisticsNo ?? null,
      invtNo: state && 'invtNo' in state ? state.invtNo : null,
    },
    returnStatus: D.Status.REJECTED,
    at: info.timestamp,
    returnInfo: `${what} rejected: the message cannot be read as a ${what} (${info.reason.slice(0, 200)})`,
    reasons: [{ code: UNDECODABLE, message: `${what} not decodable: not a registry-framed Avro ${what}` }],
    salt: `${info.topic}/${info.partition}/${info.offset}`,
  });
}

export type MatcherDefinition = ReturnType<typeof matcherProcessor>;
