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

/** The documents of a parcel as CEB nodes: order, payment, waybill. */
const nodesOf = (p: GeneratedParcel): FiledDoc[] => [
  { kind: 'ORDER', doc: p.order },
  { kind: 'PAYMENT', doc: p.payment },
  { kind: 'WAYBILL', doc: p.waybill },
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
  if (!['ORDER', 'PAYMENT', 'WAYBILL', 'DEPARTURE'].includes(kind))
    throw new Error(`--kind must be order, payment, waybill or departure, not ${o.kind}`);
  const ie = o.ie.toUpperCase();
  if (ie !== 'E' && ie !== 'I') throw new Error(`--ie must be E or I, not ${o.ie}`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 100) throw new Error('--nodes must be 1..100');
  const generator = new ParcelGenerator({
    seed: o.seed,
    startTime: Date.now(),
    errors: NO_ERRORS,
    mix: { importShare: ie === 'I' ? 1 : 0 },
    maxDocumentDelayMs: 1000,
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
  return report;
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
  ].join('\n');
}
