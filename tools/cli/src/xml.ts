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

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** The return elements of a CEB return message, a CEB900, or a CEBReturnBatch of several. */
export function summarizeReturns(xml: string): ReturnSummary[] {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return [];
  }
  const out: ReturnSummary[] = [];
  const visitMessage = (name: string, m: unknown) => {
    if (!m || typeof m !== 'object') return;
    for (const [element, v] of Object.entries(m as Record<string, unknown>)) {
      if (element.startsWith('@')) continue;
      for (const item of Array.isArray(v) ? v : [v]) {
        if (!item || typeof item !== 'object' || !('returnStatus' in (item as object))) continue;
        const fields = Object.fromEntries(
          Object.entries(item as Record<string, unknown>).map(([k, x]) => [
            k,
            typeof x === 'string' ? x : JSON.stringify(x),
          ]),
        );
        out.push({
          message: name,
          element,
          guid: fields.guid ?? '',
          returnStatus: fields.returnStatus ?? '',
          returnInfo: fields.returnInfo ?? '',
          fields,
        });
      }
    }
  };
  for (const [name, m] of Object.entries(doc)) {
    if (name.startsWith('?')) continue;
    if (name === 'CEBReturnBatch' && m && typeof m === 'object') {
      for (const [inner, v] of Object.entries(m as Record<string, unknown>)) {
        if (inner.startsWith('@')) continue;
        for (const x of Array.isArray(v) ? v : [v]) visitMessage(inner, x);
      }
    } else visitMessage(name, m);
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
