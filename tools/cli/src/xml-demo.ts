import { toCebXml, type BaseTransfer, type FiledDoc } from '@clearance/ceb-xml';
import { departures, NO_ERRORS, ParcelGenerator, type GeneratedParcel } from '@clearance/generator';
import type { ParticipantRole } from '@clearance/contracts';
import { FILED_BY, senderCode } from '@clearance/domain';
import type { ParticipantSettings } from './security/participants';
import { fetchReturns, postCeb, type ReturnSummary } from './xml';

/** BaseTransfer of a message sent by `code` (its own enterprise code as copCode). */
export const baseTransferOf = (code: string, name = code): BaseTransfer => ({
  copCode: code,
  copName: name,
  dxpMode: 'DXP',
  dxpId: `DXPENT${code}`.slice(0, 30),
  note: null,
});

const ieOf = (f: FiledDoc): 'I' | 'E' => {
  switch (f.kind) {
    case 'ORDER':
      return f.doc.orderType === 'I' ? 'I' : 'E';
    case 'PAYMENT':
    case 'WAYBILL':
    case 'LIST':
      return f.doc.ieFlag === 'I' ? 'I' : 'E';
    case 'DEPARTURE':
      return 'E';
  }
};

const senderOf = (f: FiledDoc): string => senderCode(f);

/** The documents of a parcel as CEB nodes: order, payment, waybill, and in four-document mode its list. */
const nodesOf = (p: GeneratedParcel): FiledDoc[] => [
  { kind: 'ORDER', doc: p.order },
  { kind: 'PAYMENT', doc: p.payment },
  { kind: 'WAYBILL', doc: p.waybill },
  ...(p.list ? [{ kind: 'LIST' as const, doc: p.list }] : []),
];

/**
 * `clearance xml sample`: one valid CEB message of `nodes` generated documents of one kind and
 * flow, all from the same sender (the first generated document's enterprise).
 */
export function sampleCebMessage(o: { kind: string; ie: string; nodes: number; seed: number }): {
  xml: string;
  sender: string;
} {
  const kind = o.kind.toUpperCase();
  if (!['ORDER', 'PAYMENT', 'WAYBILL', 'DEPARTURE', 'LIST'].includes(kind))
    throw new Error(`--kind must be order, payment, waybill, departure or list, not ${o.kind}`);
  const ie = o.ie.toUpperCase();
  if (ie !== 'E' && ie !== 'I') throw new Error(`--ie must be E or I, not ${o.ie}`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 100) throw new Error('--nodes must be 1..100');
  const generator = new ParcelGenerator({
    seed: o.seed,
    startTime: Date.now(),
    errors: NO_ERRORS,
    mix: { importShare: ie === 'I' ? 1 : 0 },
    maxDocumentDelayMs: 1000,
    // a list (CEB603 / CEB621) is filed for a parcel of a platform in four-document mode
    fourDocument: kind === 'LIST' ? 1 : 0,
  });
  if (kind === 'DEPARTURE') {
    if (ie === 'I') throw new Error('departures (CEB509) are export only');
    const parcels = Array.from({ length: 400 }, () => generator.next());
    const d = departures(parcels.map((p) => ({ waybill: p.waybill, releasedAt: p.startedAt })));
    const first = d[0].value;
    const docs: FiledDoc[] = d
      .filter((x) => x.value.logisticsCode === first.logisticsCode)
      .slice(0, o.nodes)
      .map((x) => ({ kind: 'DEPARTURE', doc: x.value }));
    return {
      xml: toCebXml(docs, baseTransferOf(first.logisticsCode, first.logisticsName)),
      sender: first.logisticsCode,
    };
  }
  const docs: FiledDoc[] = [];
  let sender: string | undefined;
  for (let i = 0; docs.length < o.nodes && i < 100_000; i++) {
    const f = nodesOf(generator.next()).find((x) => x.kind === kind)!;
    sender ??= senderOf(f);
    if (senderOf(f) === sender) docs.push(f);
  }
  return { xml: toCebXml(docs, baseTransferOf(sender!)), sender: sender! };
}

export interface XmlDemoReport {
  messages: number;
  nodes: number;
  accepted: number;
  refused: number;
  resend: string;
  platform: string;
  /** Returns the platform fetched from GET /ceb/returns. */
  returnsFetched: number;
  /** One of them, as the XML element the platform received. */
  sampleReturn?: ReturnSummary;
  sampleXml?: string;
  /** Four-document mode: parcels of a FOUR_DOCUMENT platform whose lists a customs agent filed (CEB603 / CEB621). */
  fourDocument?: {
    parcels: number;
    platform: string;
    agent: string;
    /** The first list's returns, in order: its receipts as the agent fetched them. */
    listReturns: string[];
  };
}

/**
 * The participants' XML path of the demo: `parcels` generated parcels filed as CEB messages
 * through the gateway by their registered platforms (CEB303/311), payment institutions
 * (CEB403/411) and carriers (CEB505/511), each with its own API key, several nodes per message;
 * the first order message sent again (answered, not published twice); then the first platform's
 * returns fetched until its decisions are there.
 */
export async function runXmlDemo(
  gatewayUrl: string,
  registered: Map<string, ParticipantSettings>,
  opts: { parcels: number; seed: number; timeoutMs?: number },
  log: (s: string) => void,
): Promise<XmlDemoReport> {
  const reg = (role: ParticipantRole, code: string) => registered.get(`${role}:${code}`);
  const generator = new ParcelGenerator({
    seed: opts.seed,
    startTime: Date.now(),
    errors: NO_ERRORS,
    maxDocumentDelayMs: 2000,
  });
  const parcels: GeneratedParcel[] = [];
  for (let i = 0; parcels.length < opts.parcels && i < opts.parcels * 50; i++) {
    const p = generator.next();
    if (
      reg('PLATFORM', p.order.ebpCode) &&
      reg('PAYER', p.payment.payCode) &&
      reg('CARRIER', p.waybill.logisticsCode)
    )
      parcels.push(p);
  }
  if (parcels.length === 0) throw new Error('no generated parcel has all three participants registered');
  // a few parcels of the platforms declaring in four-document mode, their lists filed by the
  // orders' customs agents (import orders name one)
  const fourDocument = new ParcelGenerator({
    seed: opts.seed + 7,
    startTime: Date.now(),
    errors: NO_ERRORS,
    fourDocument: 1,
    mix: { importShare: 1 },
    maxDocumentDelayMs: 2000,
  });
  const listed: GeneratedParcel[] = [];
  for (let i = 0; listed.length < FOUR_DOCUMENT_PARCELS && i < FOUR_DOCUMENT_PARCELS * 50; i++) {
    const p = fourDocument.next();
    if (
      p.list &&
      reg('PLATFORM', p.order.ebpCode) &&
      reg('PAYER', p.payment.payCode) &&
      reg('CARRIER', p.waybill.logisticsCode) &&
      reg('AGENT', p.list.agentCode)
    )
      listed.push(p);
  }
  parcels.push(...listed);
  // one message per sender, kind and flow, at most 100 nodes each
  const groups = new Map<string, { role: ParticipantRole; code: string; docs: FiledDoc[] }>();
  const roleOf = FILED_BY;
  for (const p of parcels)
    for (const f of nodesOf(p)) {
      const k = `${f.kind}|${ieOf(f)}|${senderOf(f)}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { role: roleOf[f.kind], code: senderOf(f), docs: [] }));
      if (g.docs.length < 100) g.docs.push(f);
    }
  const report: XmlDemoReport = {
    messages: 0,
    nodes: 0,
    accepted: 0,
    refused: 0,
    resend: '',
    platform: '',
    returnsFetched: 0,
  };
  let firstOrder: { key: string; xml: string } | undefined;
  // orders first, then payments, then waybills (any order works; this is the usual one)
  const rank = { ORDER: 0, PAYMENT: 1, WAYBILL: 2, LIST: 3, DEPARTURE: 4 };
  for (const g of [...groups.values()].sort((a, b) => rank[a.docs[0].kind] - rank[b.docs[0].kind])) {
    const s = reg(g.role, g.code)!;
    const xml = toCebXml(g.docs, baseTransferOf(g.code));
    const a = await postCeb(gatewayUrl, s.apiKey, xml);
    if (a.status !== 200)
      throw new Error(`the gateway answered ${a.status} to ${s.username}'s message: ${a.body.slice(0, 500)}`);
    report.messages++;
    report.nodes += a.returns.length;
    report.accepted += a.returns.filter((r) => r.returnStatus === '2').length;
    report.refused += a.returns.filter((r) => r.returnStatus !== '2').length;
    if (!firstOrder && g.role === 'PLATFORM') firstOrder = { key: s.apiKey, xml };
  }
  log(
    `${report.messages} CEB XML messages (${report.nodes} business nodes) filed through the gateway by their participants`,
  );
  if (firstOrder) {
    const again = await postCeb(gatewayUrl, firstOrder.key, firstOrder.xml);
    report.resend = `HTTP ${again.status}, ${again.returns.length} return(s): ${again.returns[0]?.returnStatus} ${again.returns[0]?.returnInfo}`;
  }
  // the first platform's returns, until one of its decisions (a list return) is among them
  const platform = reg('PLATFORM', parcels[0].order.ebpCode)!;
  report.platform = platform.username;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let after = '0';
  const mine = new Set(
    parcels.filter((p) => p.order.ebpCode === parcels[0].order.ebpCode).map((p) => p.order.orderNo),
  );
  for (;;) {
    const a = await fetchReturns(gatewayUrl, platform.apiKey, after, 1000);
    if (a.status === 200) {
      report.returnsFetched += a.returns.length;
      after = a.next ?? after;
      // a list return names the order by orderNo (CEB604), or by copNo, which is the orderNo (CEB622 has no orderNo)
      const decision = a.returns.find(
        (r) => r.element === 'InventoryReturn' && mine.has(r.fields.orderNo || r.fields.copNo || ''),
      );
      if (decision) {
        report.sampleReturn = decision;
        const start = a.body.indexOf(`<ceb:${decision.message}`);
        const end = a.body.indexOf(`</ceb:${decision.message}>`, start);
        report.sampleXml =
          start >= 0 && end > start ? a.body.slice(start, end + decision.message.length + 7) : undefined;
        break;
      }
      if (a.more) continue;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (listed.length > 0) report.fourDocument = await followList(gatewayUrl, listed, reg, deadline);
  return report;
}

/** Parcels of the demo in four-document mode. */
const FOUR_DOCUMENT_PARCELS = 6;

/** The first four-document parcel's list, followed through its agent's returns until it is decided. */
async function followList(
  gatewayUrl: string,
  listed: GeneratedParcel[],
  reg: (role: ParticipantRole, code: string) => ParticipantSettings | undefined,
  deadline: number,
): Promise<NonNullable<XmlDemoReport['fourDocument']>> {
  const list = listed[0].list!;
  const agent = reg('AGENT', list.agentCode)!;
  const out = {
    parcels: listed.length,
    platform: reg('PLATFORM', list.ebpCode)!.username,
    agent: agent.username,
    listReturns: [] as string[],
  };
  for (;;) {
    const mine: ReturnSummary[] = [];
    let after = '0';
    for (;;) {
      const a = await fetchReturns(gatewayUrl, agent.apiKey, after, 1000);
      if (a.status !== 200) break;
      mine.push(...a.returns.filter((r) => r.guid === list.guid));
      if (!a.more) break;
      after = a.next ?? after;
    }
    out.listReturns = mine.map((r) => `${r.message} ${r.returnStatus} ${r.returnInfo}`);
    // decided: a code after 2 (received) and 120 (matched)
    if (mine.some((r) => !['2', '120'].includes(r.returnStatus)) || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function formatXmlDemoReport(r: XmlDemoReport, gatewayUrl: string): string {
  return [
    '',
    `CEB XML gateway (${gatewayUrl}): ${r.messages} messages, ${r.nodes} business nodes, ${r.accepted} accepted (2), ${r.refused} refused (100)`,
    `  the first order message sent again: ${r.resend}`,
    `  returns fetched by ${r.platform} from GET /ceb/returns: ${r.returnsFetched}` +
      (r.sampleReturn
        ? `; its list return: ${r.sampleReturn.message} ${r.sampleReturn.returnStatus} ${r.sampleReturn.returnInfo}`
        : '; NO LIST RETURN SEEN'),
    ...(r.sampleXml ? ['  as received:', ...r.sampleXml.split('\n').map((l) => `    ${l}`)] : []),
    ...(r.fourDocument
      ? [
          `  four-document mode: ${r.fourDocument.parcels} parcels of ${r.fourDocument.platform}, each list filed by its customs agent; ` +
            `the first list's returns fetched by ${r.fourDocument.agent}:`,
          ...(r.fourDocument.listReturns.length > 0
            ? r.fourDocument.listReturns.map((x) => `    ${x.slice(0, 160)}`)
            : ['    NO LIST RETURN SEEN']),
        ]
      : []),
  ].join('\n');
}
