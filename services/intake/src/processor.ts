import {
  departureKey,
  orderKey,
  participantTopics,
  Topics,
  type Codecs,
  type Departure,
  type DocType,
  type FiledList,
  type Order,
  type ParticipantRole,
  type Payment,
  type Receipt,
  type RegisteredParticipant,
  type TopicSpec,
  type Waybill,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { bufferSerde, defineProcessor, stringSerde, type DeadLetterInfo, type Logger, type Serde } from '@clearance/streams';
import type { IntakeConfig } from './config';

const DOC_TYPE: Record<string, DocType> = {
  [Topics.order.name]: 'ORDER',
  [Topics.payment.name]: 'PAYMENT',
  [Topics.waybill.name]: 'WAYBILL',
  [Topics.departure.name]: 'DEPARTURE',
  [Topics.list.name]: 'LIST',
};

/** An input topic of a participant: who writes it and where its documents go. */
export interface IntakeRoute {
  role: ParticipantRole;
  code: string;
  target: TopicSpec<unknown>;
  kind: D.FiledDocument['kind'];
}

/** Every input topic of the registered participants, with its route. */
export function intakeRoutes(participants: Iterable<RegisteredParticipant>): Map<string, IntakeRoute> {
  const routes = new Map<string, IntakeRoute>();
  for (const p of participants) {
    for (const i of participantTopics(p.role, p.code).inputs) {
      routes.set(i.topic, { role: p.role, code: p.code, target: i.target, kind: DOC_TYPE[i.target.name] as IntakeRoute['kind'] });
    }
  }
  return routes;
}

/** The shared topic's key of a document: the order key, or the departure key. */
function keyOf(filed: D.FiledDocument): string {
  return filed.kind === 'DEPARTURE' ? departureKey(filed.doc) : orderKey(filed.doc);
}

/**
 * The participants' intake: reads each registered participant's input topics
 * (`in.<role>.<code>.<document>.v1`, which only that participant may write), checks that each
 * document names that participant as its sender (no spoofing, libs/domain participants/sender.ts),
 * and forwards it, re-encoded with the engine's schema and keyed as the engine keys it, to the
 * shared topic (ceb.order.v1, ...), exactly once. A document naming another enterprise, or bytes
 * that do not decode as the document, go to the input topic's DLQ with a 100 receipt to the
 * participant who sent them; nothing is forwarded for them.
 */
export function intakeProcessor(
  deps: { codecs: Codecs; config: IntakeConfig; logger: Logger },
  participants: Iterable<RegisteredParticipant>,
) {
  const { codecs, config, logger } = deps;
  const routes = intakeRoutes(participants);
  // the participant's key is not used (the shared topic's key comes from the document): any, or none
  const anyKey: Serde<Buffer | null> = { ...bufferSerde, nullable: true };
  const inputs: Record<string, { key: Serde<Buffer | null>; value: Serde<unknown> }> = {};
  for (const [topic, r] of routes) inputs[topic] = { key: anyKey, value: codecs.serde(r.target) };
  const output = <V>(spec: TopicSpec<V>) => ({ key: stringSerde, value: codecs.serde(spec) });
  return defineProcessor({
    name: config.applicationId,
    inputs,
    outputs: {
      [Topics.order.name]: output(Topics.order),
      [Topics.payment.name]: output(Topics.payment),
      [Topics.waybill.name]: output(Topics.waybill),
      [Topics.departure.name]: output(Topics.departure),
      [Topics.list.name]: output(Topics.list),
      [Topics.receipt.name]: output(Topics.receipt),
    } as Record<string, { key: Serde<string>; value: Serde<unknown> }>,
    process(record, ctx) {
      const route = routes.get(record.topic)!;
      const filed = { kind: route.kind, doc: record.value } as D.FiledDocument;
      const verdict = D.verifySender(route.role, route.code, filed, record.timestamp);
      if (!verdict.ok) return ctx.reject(verdict.reason, { code: D.ReasonCode.SENDER_MISMATCH, details: verdict.receipt });
      ctx.emit(route.target.name, keyOf(filed), filed.doc as Order | Payment | Waybill | Departure | FiledList);
      return undefined;
    },
    onDeadLetter(info: DeadLetterInfo, ctx) {
      const route = routes.get(info.topic);
      if (!route) return;
      const receipt =
        info.kind === 'rejected' && info.details ? (info.details as Receipt) : undecodableReceipt(route, info);
      ctx.emit(Topics.receipt.name, receipt.caseKey, receipt);
      if (info.kind !== 'rejected')
        logger.warn(
          { topic: info.topic, partition: info.partition, offset: info.offset, kind: info.kind, participant: route.code },
          'participant document refused (on the DLQ, 100 receipt sent)',
        );
    },
  });
}

/** The 100 receipt for bytes on a participant's input topic that are not the document it takes. */
function undecodableReceipt(route: IntakeRoute, info: DeadLetterInfo): Receipt {
  const what = route.kind.toLowerCase();
  const caseKey = info.rawKey?.toString('utf8') || `${route.code}:${info.topic}/${info.partition}/${info.offset}`;
  return D.buildReceipt({
    to: { participant: D.ROLE_AS_ADDRESSEE[route.role], code: route.code, docType: route.kind, docGuid: null },
    ref: { caseKey, ebpCode: null, orderNo: null, logisticsCode: null, logisticsNo: null, invtNo: null },
    returnStatus: D.Status.REJECTED,
    at: info.timestamp,
    returnInfo: `${what} rejected: the message cannot be read as a ${what} (${info.reason.slice(0, 200)})`,
    reasons: [{ code: 'UNDECODABLE', message: `${what} not decodable: not a registry-framed Avro ${what}` }],
    salt: `${info.topic}/${info.partition}/${info.offset}`,
  });
}
