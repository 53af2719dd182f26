import { XMLParser } from 'fast-xml-parser';

/** A CEB XML gateway's answer: HTTP status, the XML body, the returns it carries. */
export interface GatewayAnswer {
  status: number;
  body: string;
  /** Every return element of the body (OrderReturn, InventoryReturn, MessageReturn, ...). */
  returns: ReturnSummary[];
  /** GET /ceb/returns: the cursor to pass as `after` next time, and whether more are waiting. */
  next?: string;
  more?: boolean;
}

export interface ReturnSummary {
  /** The return message it came in (CEB304Message, ...). */
  message: string;
  /** Its element name (OrderReturn, ...). */
  element: string;
  guid: string;
  returnStatus: string;
  returnInfo: string;
  fields: Record<string, string>;
}

// document order matters (a batch of returns is a sequence): the ordered form of fast-xml-parser
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type OrderedNode = Record<string, unknown>;
const tagOf = (n: OrderedNode): string | undefined => Object.keys(n).find((k) => k !== ':@');
const childrenOf = (n: OrderedNode, tag: string): OrderedNode[] =>
  Array.isArray(n[tag]) ? (n[tag] as OrderedNode[]) : [];
const textOf = (children: OrderedNode[]): string =>
  children
    .map((c) => (typeof c['#text'] === 'string' || typeof c['#text'] === 'number' ? String(c['#text']) : ''))
    .join('');

/** The return elements of a CEB return message, a CEB900, or a CEBReturnBatch of several, in document order. */
export function summarizeReturns(xml: string): ReturnSummary[] {
  let doc: OrderedNode[];
  try {
    doc = parser.parse(xml) as OrderedNode[];
  } catch {
    return [];
  }
  const out: ReturnSummary[] = [];
  const visitMessage = (message: string, elements: OrderedNode[]) => {
    for (const e of elements) {
      const element = tagOf(e);
      if (!element || element === '#text') continue;
      const fields: Record<string, string> = {};
      for (const f of childrenOf(e, element)) {
        const name = tagOf(f);
        if (name && name !== '#text') fields[name] = textOf(childrenOf(f, name));
      }
      if (!('returnStatus' in fields)) continue;
      out.push({
        message,
        element,
        guid: fields.guid ?? '',
        returnStatus: fields.returnStatus,
        returnInfo: fields.returnInfo ?? '',
        fields,
      });
    }
  };
  for (const root of doc) {
    const name = tagOf(root);
    if (!name || name.startsWith('?')) continue;
    if (name === 'CEBReturnBatch') {
      for (const m of childrenOf(root, name)) {
        const inner = tagOf(m);
        if (inner && inner !== '#text') visitMessage(inner, childrenOf(m, inner));
      }
    } else visitMessage(name, childrenOf(root, name));
  }
  return out;
}

/** POSTs one CEB message to `<url>/ceb` with the participant's API key. */
export async function postCeb(url: string, apiKey: string, body: Buffer | string): Promise<GatewayAnswer> {
  const res = await fetch(`${url.replace(/\/$/, '')}/ceb`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/xml; charset=utf-8', 'X-API-Key': apiKey },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  return { status: res.status, body: text, returns: summarizeReturns(text) };
}

/** GET `<url>/ceb/returns?after=&limit=` with the participant's API key. */
export async function fetchReturns(
  url: string,
  apiKey: string,
  after: string,
  limit: number,
): Promise<GatewayAnswer> {
  const q = new URLSearchParams({ after, limit: String(limit) });
  const res = await fetch(`${url.replace(/\/$/, '')}/ceb/returns?${q}`, { headers: { 'X-API-Key': apiKey } });
  const text = await res.text();
  return {
    status: res.status,
    body: text,
    returns: summarizeReturns(text),
    next: res.headers.get('x-next-cursor') ?? undefined,
    more: res.headers.get('x-more') === 'true',
  };
}

/** The API key for the `xml` commands: --api-key, else CLEARANCE_API_KEY. */
export function apiKeyFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const key = option ?? env.CLEARANCE_API_KEY;
  if (!key)
    throw new Error(
      'an API key is needed: --api-key <key> or CLEARANCE_API_KEY (printed by `clearance participants add`)',
    );
  return key;
}

/** The gateway's URL for the `xml` commands: --url, else CLEARANCE_GATEWAY_URL, else the local engine's. */
export const gatewayUrlFrom = (option: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  option ?? env.CLEARANCE_GATEWAY_URL ?? `http://127.0.0.1:${env.GATEWAY_PORT || '8090'}`;
