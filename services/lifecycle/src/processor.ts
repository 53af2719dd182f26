import {
  Topics,
  waybillKey,
  type Codecs,
  type Decision,
  type Departure,
  type DepartureLine,
  type InspectionResult,
  type Receipt,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  DeadlineIndex,
  defineProcessor,
  jsonSerde,
  silentLogger,
  stringSerde,
  type DeadLetterInfo,
  type Logger,
} from '@clearance/streams';
import type { LifecycleConfig } from './config';

export interface LifecycleDeps {
  codecs: Codecs;
  config: LifecycleConfig;
  logger?: Logger;
}

/**
 * Reason code of the receipt for a message that does not decode. Not (yet) one of the domain's
 * ReasonCode values: see the service README.
 */
export const UNDECODABLE = 'UNDECODABLE';

/**
 * Departure splitter: each CEB509 departure on ceb.departure.v1 (key `{logisticsCode}:{copNo}`)
 * is split by the domain into one DepartureLine per waybill, re-keyed by waybill key onto
 * clearance.departure-line.v1 so the lifecycle processor sees them on the waybill's partition.
 * The carrier gets the domain's receipt for the message (2 accepted, 100 rejected with the
 * reasons, 1 saved). No state.
 */
export function departureSplitterProcessor(deps: LifecycleDeps) {
  const { codecs, config } = deps;
  const log = deps.logger ?? silentLogger;
  return defineProcessor({
    name: config.splitter.applicationId,
    inputs: {
      [Topics.departure.name]: { key: stringSerde, value: codecs.serde(Topics.departure) },
    },
    outputs: {
      [Topics.departureLine.name]: { key: stringSerde, value: codecs.serde(Topics.departureLine) },
      [Topics.receipt.name]: { key: stringSerde, value: codecs.serde(Topics.receipt) },
    },

    process(record, ctx) {
      const departure = record.value as Departure;
      const split = D.splitDeparture(departure);
      const receipt = D.departureReceipt(departure, split, record.timestamp);
      ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
      for (const line of split.lines) ctx.emit(Topics.departureLine.name, waybillKey(line), line);
    },

    onDeadLetter(info, ctx) {
      if (info.kind !== 'deserialization') return;
      const receipt = undecodableDepartureReceipt(info);
      if (receipt) ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
      else
        log.warn(
          { topic: info.topic, partition: info.partition, offset: info.offset },
          'undecodable departure without a departure key: no receipt',
        );
    },
  });
}

/** The carrier's 100 receipt for a departure message that does not decode; the departure key names the carrier. */
export function undecodableDepartureReceipt(info: DeadLetterInfo): Receipt | undefined {
  const key = info.rawKey?.toString('utf8') ?? '';
  const sep = key.indexOf(':');
  if (sep <= 0) return undefined;
  return D.buildReceipt({
    to: { participant: 'CARRIER', code: key.slice(0, sep), docType: 'DEPARTURE', docGuid: null },
    ref: {
      caseKey: key,
      ebpCode: null,
      orderNo: null,
      logisticsCode: key.slice(0, sep),
      logisticsNo: null,
      invtNo: null,
    },
    returnStatus: D.Status.REJECTED,
    at: info.timestamp,
    returnInfo: `departure rejected: the message cannot be read as a departure (${info.reason.slice(0, 200)})`,
    reasons: [
      { code: UNDECODABLE, message: 'departure not decodable: not a registry-framed Avro departure' },
    ],
    salt: `${info.topic}/${info.partition}/${info.offset}`,
  });
}

/**
 * Parcel lifecycle after the risk decision, per waybill key: decisions (clearance.decision.v1),
 * officers' inspection results (customs.inspection.v1) and departure lines
 * (clearance.departure-line.v1), co-partitioned by waybill key, go through the domain's
 * `handleLifecycle` with the parcel's state in the `parcels` store. Outputs the receipts the
 * domain gives (800 / 500 / 300 / 100 on the decision, 501..599 / 700 / 800 on inspection
 * results, 899 on clearance, refusals) and, once released and departed, the ClearedParcel on
 * clearance.cleared.v1 keyed by waybill key.
 *
 * A parcel's state is deleted `retentionMs` (event time) after its last event: its key is filed
 * in the `expiries` deadline index whenever its expiry moves to another bucket, and a punctuator
 * on stream time deletes the states that are due (a slot whose state moved on is stale and
 * ignored). A late message for a forgotten parcel is handled as for an unknown waybill.
 */
export function lifecycleProcessor(deps: LifecycleDeps) {
  const { codecs, config } = deps;
  const log = deps.logger ?? silentLogger;
  const { retentionMs, timerResolutionMs } = config.lifecycle;
  const expiries = new DeadlineIndex(timerResolutionMs);
  return defineProcessor({
    name: config.lifecycle.applicationId,
    inputs: {
      [Topics.decision.name]: { key: stringSerde, value: codecs.serde(Topics.decision) },
      [Topics.inspection.name]: { key: stringSerde, value: codecs.serde(Topics.inspection) },
      [Topics.departureLine.name]: { key: stringSerde, value: codecs.serde(Topics.departureLine) },
    },
    outputs: {
      [Topics.cleared.name]: { key: stringSerde, value: codecs.serde(Topics.cleared) },
      [Topics.receipt.name]: { key: stringSerde, value: codecs.serde(Topics.receipt) },
    },
    stores: {
      /** LifecycleState per waybill key. */
      parcels: { value: jsonSerde<D.LifecycleState>(), persistent: true },
      /** DeadlineIndex of the parcels' expiries. */
      expiries: { value: stringSerde, persistent: true },
    },

    process(record, ctx) {
      const at = record.timestamp;
      let cmd: D.LifecycleCommand;
      let key: string;
      switch (record.topic) {
        case Topics.decision.name: {
          const decision = record.value as Decision;
          cmd = { type: 'DecisionReceived', decision, at };
          key = decision.waybillKey;
          break;
        }
        case Topics.inspection.name: {
          const result = record.value as InspectionResult;
          cmd = { type: 'InspectionReceived', result, at };
          key = waybillKey(result);
          break;
        }
        case Topics.departureLine.name: {
          const line = record.value as DepartureLine;
          cmd = { type: 'DepartureReceived', line, at };
          key = waybillKey(line);
          break;
        }
        default:
          return ctx.reject(`${record.topic} is not an input of the lifecycle`);
      }
      if (record.key !== key) {
        // the parcel's state lives under its waybill key, on that key's partition
        return ctx.reject(
          `record key ${record.key} is not the waybill key ${key} of the ${record.topic} value`,
          {
            code: 'KEY_MISMATCH',
            details: key,
          },
        );
      }
      const parcels = ctx.store('parcels');
      const before = parcels.get(key);
      const r = D.handleLifecycle(before, cmd);
      if (r.events.length === 0) return; // a duplicate: nothing changes
      parcels.put(key, r.state);
      const expiry = D.lifecycleExpiry(r.state, retentionMs);
      const previous = D.lifecycleExpiry(before, retentionMs);
      if (
        expiry !== undefined &&
        (previous === undefined || expiries.bucketOf(expiry) !== expiries.bucketOf(previous))
      )
        expiries.schedule(ctx.store('expiries'), key, expiry, ctx.streamTime);
      for (const receipt of r.receipts) ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
      for (const cleared of r.cleared) ctx.emit(Topics.cleared.name, waybillKey(cleared.manifest), cleared);
      for (const note of r.notes)
        log.info({ waybillKey: key, topic: record.topic, offset: record.offset }, note);
    },

    punctuators: [
      {
        name: 'lifecycle-expiries',
        every: timerResolutionMs,
        punctuate(ctx) {
          const now = ctx.timestamp;
          const parcels = ctx.store('parcels');
          let purged = 0;
          expiries.fire(ctx.store('expiries'), now, (key) => {
            const expiry = D.lifecycleExpiry(parcels.get(key), retentionMs);
            if (expiry === undefined || expiry > now) return; // stale slot: the parcel moved on (or is gone)
            parcels.delete(key);
            purged++;
          });
          if (purged > 0) log.info({ task: ctx.task, now, purged }, 'expired parcel states deleted');
        },
      },
    ],

    onDeadLetter(info, ctx) {
      const receipt = inspectionDeadLetterReceipt(info);
      if (receipt) ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
      else if (info.topic === Topics.inspection.name)
        log.warn(
          { topic: info.topic, partition: info.partition, offset: info.offset, kind: info.kind },
          'inspection result on the DLQ: officer unknown, no receipt',
        );
    },
  });
}

/**
 * The officer's 100 receipt for an inspection result that went to the DLQ: one under another key
 * than its waybill (KEY_MISMATCH; the result names the officer). An undecodable result does not
 * name its officer: no receipt (the record is on the DLQ).
 */
export function inspectionDeadLetterReceipt(info: DeadLetterInfo): Receipt | undefined {
  if (info.topic !== Topics.inspection.name || info.kind !== 'rejected' || info.code !== 'KEY_MISMATCH')
    return undefined;
  const result = info.value as InspectionResult;
  const key = waybillKey(result);
  return D.buildReceipt({
    to: { participant: 'OFFICER', code: result.officer, docType: 'INSPECTION', docGuid: result.guid },
    ref: {
      caseKey: key,
      ebpCode: null,
      orderNo: null,
      logisticsCode: result.logisticsCode,
      logisticsNo: result.logisticsNo,
      invtNo: null,
    },
    returnStatus: D.Status.REJECTED,
    at: info.timestamp,
    returnInfo: `inspection result rejected: sent under key ${info.rawKey?.toString('utf8') ?? '(none)'}, not its waybill key ${key}`,
    reasons: [{ code: D.ReasonCode.KEY_MISMATCH, message: `record key is not the waybill key ${key}` }],
  });
}

export type DepartureSplitterDefinition = ReturnType<typeof departureSplitterProcessor>;
export type LifecycleDefinition = ReturnType<typeof lifecycleProcessor>;
