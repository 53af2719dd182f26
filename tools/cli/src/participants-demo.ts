import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import {
  asPrincipal,
  kafkaConnection,
  orderKey,
  Topics,
  type Decision,
  type ParticipantRole,
  type Receipt,
  type RegistryCodecs,
  type TopicSpec,
} from '@clearance/contracts';
import { loadReferenceData, NO_ERRORS, ParcelGenerator } from '@clearance/generator';
import { addParticipant, type ParticipantSettings } from './security/participants';
import { TopicWatcher, type Watched } from './watch';

const ROLE_OF: Record<string, ParticipantRole> = {
  EBP: 'PLATFORM',
  PAYER: 'PAYER',
  CARRIER: 'CARRIER',
  AGENT: 'AGENT',
};

/**
 * The demo's participants: every platform (also those declaring in four-document mode), payment
 * institution, carrier and customs agent (who files lists) of the reference data.
 */
export function demoParticipants(): Array<{ role: ParticipantRole; code: string }> {
  const out: Array<{ role: ParticipantRole; code: string }> = [];
  for (const e of loadReferenceData({ fourDocument: true }).enterprises) {
    for (const r of e.roles) if (ROLE_OF[r]) out.push({ role: ROLE_OF[r], code: e.code });
  }
  return out;
}

export type Registered = Map<string, ParticipantSettings>;
const regKey = (role: ParticipantRole, code: string) => `${role}:${code}`;

/**
 * Registers the demo's participants (`participants add` for each: SCRAM user, ACLs, input and
 * feed topics, registry record). Re-registering on the next start issues new passwords.
 */
export async function registerDemoParticipants(
  kafka: Kafka,
  admin: Admin,
  codecs: RegistryCodecs,
  env: NodeJS.ProcessEnv & { SCHEMA_REGISTRY_URL: string },
  partitions: number,
  log: (s: string) => void,
): Promise<Registered> {
  const connection = kafkaConnection(env);
  const out: Registered = new Map();
  for (const p of demoParticipants()) {
    const s = await addParticipant(kafka, admin, codecs, {
      role: p.role,
      code: p.code,
      partitions,
      connection,
      env,
    });
    out.set(regKey(p.role, p.code), s);
  }
  const count = (role: ParticipantRole) =>
    [...out.values()].filter((s) => s.role === role.toLowerCase()).length;
  log(
    `participants registered: ${count('PLATFORM')} platforms, ${count('PAYER')} payment institutions, ${count('CARRIER')} carriers, ${count('AGENT')} customs agents ` +
      `(each its own SCRAM user, input topics in.<role>.<code>.*, feeds feed.<role>.<code>.*)`,
  );
  return out;
}

export interface ParticipantsReport {
  registered: number;
  /** Parcels whose three documents each participant filed through its own input topic. */
  viaIntake: number;
  decidedViaIntake: number;
  carrier: string;
  feed: { receipts: number; decisions: number; inspections: number; lastDecision?: string };
  spoof: { sender: string; named: string; receipt?: string };
  denied: string;
}

/** A Kafka client as a participant (its own principal, the stack's TLS settings). */
function clientAs(env: NodeJS.ProcessEnv, s: ParticipantSettings): Kafka {
  return new Kafka({
    clientId: s.username,
    ...kafkaConnection(asPrincipal(env, s.username, s.password)),
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

/**
 * The participants' view, after the main demo: a few parcels filed by their platforms, payment
 * institutions and carriers as themselves through their own input topics (the intake checks and
 * forwards them), one order a platform files under another platform's code (refused: a 100
 * receipt in the sender's own feed), one carrier's feed read as that carrier, and that carrier
 * refused on another carrier's feed.
 */
export async function runParticipantsDemo(
  codecs: RegistryCodecs,
  env: NodeJS.ProcessEnv,
  registered: Registered,
  opts: { parcels: number; seed: number },
  log: (s: string) => void,
): Promise<ParticipantsReport> {
  const generator = new ParcelGenerator({
    seed: opts.seed,
    startTime: Date.now(),
    errors: NO_ERRORS,
    maxDocumentDelayMs: 2000,
  });
  const parcels = Array.from({ length: opts.parcels }, () => generator.next()).filter(
    (p) =>
      registered.has(regKey('PLATFORM', p.order.ebpCode)) &&
      registered.has(regKey('PAYER', p.payment.payCode)) &&
      registered.has(regKey('CARRIER', p.waybill.logisticsCode)),
  );
  if (parcels.length === 0) throw new Error('no generated parcel has all three participants registered');
  const carrierCode = parcels[0].waybill.logisticsCode;
  const carrier = registered.get(regKey('CARRIER', carrierCode))!;
  const platforms = [...registered.values()].filter((s) => s.role === 'platform');
  const spoofer = platforms.find((s) => s.enterpriseCode !== parcels[0].order.ebpCode) ?? platforms[0];
  const named = parcels[0].order.ebpCode;

  // the carrier's feeds and the spoofer's receipts, read as themselves
  const carrierKafka = clientAs(env, carrier);
  const feedSpec = <V>(spec: TopicSpec<V>, topic: string): TopicSpec<V> => ({ ...spec, name: topic });
  const feed = { receipts: 0, decisions: 0, inspections: 0, lastDecision: undefined as string | undefined };
  const decided = new Set<string>();
  const carrierWatcher = new TopicWatcher(carrierKafka, codecs, carrier.username);
  await carrierWatcher.start(
    [
      feedSpec(Topics.receipt, carrier.feedTopics.receipt),
      feedSpec(Topics.decision, carrier.feedTopics.decision),
      feedSpec(Topics.inspection, carrier.feedTopics.inspection),
    ],
    (r: Watched<unknown>) => {
      if (r.topic === carrier.feedTopics.receipt) feed.receipts++;
      else if (r.topic === carrier.feedTopics.inspection) feed.inspections++;
      else {
        feed.decisions++;
        const d = r.value as Decision;
        decided.add(d.waybillKey);
        feed.lastDecision = `${d.waybillKey} ${d.outcome} (${d.returnStatus})`;
      }
    },
  );
  const spooferWatcher = new TopicWatcher(clientAs(env, spoofer), codecs, spoofer.username);
  let spoofReceipt: Receipt | undefined;
  await spooferWatcher.start([feedSpec(Topics.receipt, spoofer.feedTopics.receipt)], (r) => {
    const receipt = r.value as Receipt;
    if (receipt.reasons.some((x) => x.code === 'SENDER_MISMATCH')) spoofReceipt = receipt;
  });

  const producers = new Map<string, Producer>();
  const producerOf = async (s: ParticipantSettings) => {
    let p = producers.get(s.username);
    if (!p) {
      p = clientAs(env, s).producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await p.connect();
      producers.set(s.username, p);
    }
    return p;
  };
  const file = async <V>(
    role: ParticipantRole,
    code: string,
    document: string,
    spec: TopicSpec<V>,
    doc: V,
    key: string,
  ) => {
    const s = registered.get(regKey(role, code))!;
    const producer = await producerOf(s);
    await producer.send({
      topic: s.inputTopics[document],
      acks: -1,
      messages: [{ key, value: await codecs.encode(spec, doc), timestamp: String(Date.now()) }],
    });
  };
  try {
    for (const p of parcels) {
      const key = orderKey(p.order);
      await file('PLATFORM', p.order.ebpCode, 'order', Topics.order, p.order, key);
      await file('PAYER', p.payment.payCode, 'payment', Topics.payment, p.payment, key);
      await file('CARRIER', p.waybill.logisticsCode, 'waybill', Topics.waybill, p.waybill, key);
    }
    // a platform files an order under another platform's code: the intake refuses it
    const forged = {
      ...parcels[0].order,
      orderNo: `${parcels[0].order.orderNo}-F`,
      guid: `${parcels[0].order.guid.slice(0, 30)}ff`,
    };
    await file('PLATFORM', spoofer.enterpriseCode, 'order', Topics.order, forged, orderKey(forged));
    log(
      `${parcels.length} parcels filed by their platforms, payment institutions and carriers through their own input topics; ` +
        `${spoofer.username} filed one order under ${named}`,
    );
    const mine = parcels.filter((p) => p.waybill.logisticsCode === carrierCode);
    const deadline = Date.now() + 120_000;
    while ((mine.some((p) => !decided.has(p.waybillKey)) || !spoofReceipt) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    // the carrier on another carrier's feed
    const other = [...registered.values()].find(
      (s) => s.role === 'carrier' && s.username !== carrier.username,
    );
    let denied = 'no other carrier registered';
    if (other) {
      const admin = carrierKafka.admin();
      await admin.connect();
      try {
        await admin.fetchTopicOffsets(other.feedTopics.decision);
        denied = `NOT DENIED: ${carrier.username} could read ${other.feedTopics.decision}`;
      } catch (e) {
        denied = `${carrier.username} on ${other.feedTopics.decision}: ${(e as Error).message}`;
      } finally {
        await admin.disconnect();
      }
    }
    return {
      registered: registered.size,
      viaIntake: parcels.length,
      decidedViaIntake: mine.filter((p) => decided.has(p.waybillKey)).length,
      carrier: carrier.username,
      feed,
      spoof: {
        sender: spoofer.username,
        named,
        receipt: spoofReceipt ? `${spoofReceipt.returnStatus} ${spoofReceipt.returnInfo}` : undefined,
      },
      denied,
    };
  } finally {
    await Promise.allSettled([...producers.values()].map((p) => p.disconnect()));
    await Promise.allSettled([carrierWatcher.stop(), spooferWatcher.stop()]);
  }
}

export function formatParticipantsReport(r: ParticipantsReport): string {
  return [
    '',
    `participants: ${r.registered} registered; ${r.viaIntake} parcels filed by the participants themselves through their input topics`,
    `feed of ${r.carrier}, read as ${r.carrier} while the participants filed: ${r.feed.receipts} receipts, ` +
      `${r.feed.decisions} decisions, ${r.feed.inspections} inspection results` +
      (r.feed.lastDecision ? `; latest decision ${r.feed.lastDecision}` : ''),
    `  its parcels filed through the intake decided: ${r.decidedViaIntake}`,
    `  other carriers' feeds: ${r.denied}`,
    `spoofing: ${r.spoof.sender} filed an order naming ${r.spoof.named}: ` +
      (r.spoof.receipt ?? 'NO RECEIPT SEEN'),
  ].join('\n');
}
