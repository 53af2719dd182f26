import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import {
  departureKey,
  orderKey,
  participantTopics,
  Topics,
  type Decision,
  type InspectionResult,
  type Receipt,
  type RegistryCodecs,
  type TopicSpec,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  CebFormatError,
  nodeReturn,
  parseCebMessage,
  renderFormatError,
  renderMessageReturn,
  renderReturnBatch,
  renderReturnMessage,
  returnForDecision,
  returnForInspection,
  returnForReceipt,
  type CebMessage,
  type CebNode,
  type ReturnItem,
  type ReturnMessageType,
} from '@clearance/ceb-xml';
import type { Caller } from './directory';
import type { NodeIngest, NodeOutcome, NodeToPublish } from './ingest';
import type { GatewayMetrics } from './metrics';

/** An HTTP answer: status, XML body, extra headers. */
export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** The most nodes a CEB message may carry (the standard's 1..100). */
export const MAX_NODES = 100;

const TARGET: Record<D.FiledDocument['kind'], TopicSpec<unknown>> = {
  ORDER: Topics.order,
  PAYMENT: Topics.payment,
  WAYBILL: Topics.waybill,
  DEPARTURE: Topics.departure,
  LIST: Topics.list,
};

const ACCEPTED_INFO: Record<string, string> = {
  '1': '新增申报成功',
  '2': '变更申报成功',
  '3': '删除申报成功',
};

/** A CEB900 format-check return for an error of the request itself (not of a business node). */
export function requestError(status: number, returnStatus: string, info: string, at = Date.now()): Answer {
  return {
    status,
    body: renderMessageReturn(
      { returnStatus, returnInfo: info, oriMessageType: 'Unknown', oriCopMsgId: '' },
      at,
    ),
  };
}

export const unauthenticated = (): Answer =>
  requestError(
    401,
    '-401',
    'missing or unknown API key (header X-API-Key, issued by `clearance participants add`)',
  );

/**
 * What the gateway does with a request, apart from HTTP: a CEB message in -> its nodes checked,
 * published and answered with the matching return message; the returns of a participant out.
 */
export class CebGateway {
  constructor(
    private readonly deps: {
      codecs: RegistryCodecs;
      ingest: NodeIngest;
      pool: Pool;
      schema: string;
      returnsSchema: string;
      metrics: GatewayMetrics;
    },
  ) {}

  /**
   * POST /ceb. 400 (CEB900) for a message that cannot be read as a CEB message; 403 (CEB900) for a
   * message the caller may not send (another role's document, BaseTransfer.copCode or a node's
   * sender code not the caller's): nothing of it is published; otherwise 200 with one return per
   * node, 2 for each published (or already published) node, 100 with the reasons for each refused
   * one; 503 when Kafka or Postgres failed (nothing acknowledged: send it again).
   */
  async submit(caller: Caller, body: Buffer, at = Date.now()): Promise<Answer> {
    const m = this.deps.metrics;
    let message: CebMessage;
    try {
      message = parseCebMessage(body, { maxNodes: MAX_NODES });
    } catch (e) {
      if (e instanceof CebFormatError) {
        m.messages.inc({ type: e.messageType ?? 'Unknown', outcome: 'format-error' });
        return { status: 400, body: renderFormatError(e, at) };
      }
      throw e;
    }
    const forbidden = this.forbidden(caller, message);
    if (forbidden) {
      m.messages.inc({ type: message.type, outcome: 'forbidden' });
      return {
        status: 403,
        body: renderMessageReturn(
          {
            returnStatus: '-403',
            returnInfo: forbidden,
            oriMessageType: message.type,
            oriCopMsgId: message.messageGuid ?? '',
          },
          at,
        ),
      };
    }

    const target = TARGET[message.kind];
    const input = participantTopics(caller.role, caller.code).inputs.find(
      (i) => i.target.name === target.name,
    );
    if (!input) {
      // forbidden() checked the role files this kind: an input topic exists for it
      throw new Error(`no input topic of ${caller.principal} for ${message.kind}`);
    }
    const refusals = new Map<CebNode, string>();
    const toPublish: Array<{ node: CebNode; publish: NodeToPublish }> = [];
    for (const node of message.nodes) {
      if (!node.ok) {
        refusals.set(node, node.problems.map((p) => `[${p.field}] ${p.message}`).join('; '));
        continue;
      }
      let value: Buffer;
      try {
        value = await this.deps.codecs.encode(target, node.filed.doc);
      } catch (e) {
        refusals.set(node, `[AVRO] ${(e as Error).message}`);
        continue;
      }
      const doc = node.filed.doc;
      toPublish.push({
        node,
        publish: {
          role: caller.role,
          code: caller.code,
          guid: node.guid,
          digest: createHash('sha256').update(value.subarray(5)).digest('hex'),
          messageType: message.type,
          messageGuid: message.messageGuid,
          ieFlag: message.ieFlag,
          topic: input.topic,
          key:
            node.filed.kind === 'DEPARTURE'
              ? departureKey(node.filed.doc)
              : orderKey(doc as { ebpCode: string; orderNo: string }),
          value,
          headers: { 'ceb-message-type': message.type, 'ceb-message-guid': message.messageGuid ?? '' },
          ids: identifiers(nodeReturn(message, node, '2', '', at)),
        },
      });
    }
    let outcomes: NodeOutcome[];
    try {
      outcomes = await this.deps.ingest.submit(toPublish.map((x) => x.publish));
    } catch (e) {
      m.messages.inc({ type: message.type, outcome: 'unavailable' });
      return requestError(503, '-503', `not published, send the message again: ${(e as Error).message}`, at);
    }
    const outcomeOf = new Map<CebNode, NodeOutcome>(toPublish.map((x, i) => [x.node, outcomes[i]]));
    const items: ReturnItem[] = message.nodes.map((node) => {
      const refusal = refusals.get(node);
      const guid = node.guid ?? '';
      if (refusal !== undefined) {
        m.nodes.inc({ outcome: 'refused' });
        return nodeReturn(message, node, '100', refusal, at);
      }
      const outcome = outcomeOf.get(node)!;
      m.nodes.inc({ outcome });
      if (outcome === 'guid-reused')
        return nodeReturn(
          message,
          node,
          '100',
          `[GUID_REUSED] guid ${guid} 已用于另一份内容不同的单证 (already used for a different document)`,
          at,
        );
      const appType = node.ok ? node.filed.doc.appType : '1';
      const info = `${ACCEPTED_INFO[appType] ?? ACCEPTED_INFO['1']}[${guid}]`;
      return nodeReturn(
        message,
        node,
        '2',
        outcome === 'duplicate' ? `${info} (重复报文，已接收，未再次入库)` : info,
        at,
      );
    });
    m.messages.inc({ type: message.type, outcome: 'answered' });
    return { status: 200, body: renderReturnMessage(message.returnType, items) };
  }

  /** Why the caller may not send this message at all; undefined when it may. */
  private forbidden(caller: Caller, message: CebMessage): string | undefined {
    const filer = D.FILED_BY[message.kind];
    if (filer !== caller.role)
      return `${message.type} is filed by ${article(filer)} ${filer.toLowerCase()}; the API key belongs to ${caller.role.toLowerCase()} ${caller.code}`;
    if (message.baseTransfer.copCode !== caller.code)
      return `BaseTransfer.copCode ${message.baseTransfer.copCode} is not the caller's enterprise code ${caller.code}`;
    for (const node of message.nodes) {
      if (!node.ok) continue;
      const named = D.senderCode(node.filed as D.FiledDocument);
      if (named !== caller.code) {
        const field = D.SENDER_FIELD[message.kind];
        return `node ${node.index} (guid ${node.guid}) names ${field} ${named}, not the caller's enterprise code ${caller.code}: a participant files only its own documents`;
      }
    }
    return undefined;
  }

  /**
   * GET /ceb/returns: the caller's returns after `after` (exclusive), at most `limit`, as one
   * CEBReturnBatch document; `next` (also header X-Next-Cursor) is what to pass as `after` next
   * time. 400 for a bad cursor or limit; 503 while the returns are not built yet.
   */
  async returns(caller: Caller, afterRaw: string | undefined, limitRaw: string | undefined): Promise<Answer> {
    const after =
      afterRaw === undefined || afterRaw === '' ? 0 : /^\d{1,15}$/.test(afterRaw) ? Number(afterRaw) : NaN;
    const limit =
      limitRaw === undefined || limitRaw === '' ? 100 : /^\d{1,4}$/.test(limitRaw) ? Number(limitRaw) : NaN;
    if (Number.isNaN(after))
      return requestError(
        400,
        '-400',
        `after must be a cursor returned as next (digits), not ${JSON.stringify(afterRaw)}`,
      );
    if (Number.isNaN(limit) || limit < 1 || limit > 1000)
      return requestError(400, '-400', `limit must be 1..1000, not ${JSON.stringify(limitRaw)}`);
    let rows: Array<{ seq: string; kind: string; doc_guid: string | null; payload: unknown }>;
    try {
      ({ rows } = await this.deps.pool.query(
        `SELECT seq, kind, doc_guid, payload FROM "${this.deps.returnsSchema}".ceb_return
         WHERE role = $1 AND code = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
        [caller.role, caller.code, after, limit + 1],
      ));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '42P01' || code === '3F000')
        return requestError(
          503,
          '-503',
          'returns not available yet: the projector has not built its returns projection',
        );
      throw e;
    }
    const more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    const guids = rows.map((r) => r.doc_guid).filter((g): g is string => g !== null);
    const book = new Map<string, { ie: 'I' | 'E'; ids: Record<string, string> | null }>();
    if (guids.length > 0) {
      const r = await this.deps.pool.query<{
        guid: string;
        ie_flag: 'I' | 'E';
        ids: Record<string, string> | null;
      }>(
        `SELECT DISTINCT ON (guid) guid, ie_flag, ids FROM "${this.deps.schema}".ceb_node WHERE guid = ANY($1::text[])`,
        [guids],
      );
      for (const x of r.rows) book.set(x.guid, { ie: x.ie_flag, ids: x.ids });
    }
    const entries: Array<{ type: ReturnMessageType; item: ReturnItem }> = rows.map((r) => {
      switch (r.kind) {
        case 'decision':
          return returnForDecision(r.payload as Decision);
        case 'inspection':
          return returnForInspection(r.payload as InspectionResult, 'E');
        default: {
          const receipt = r.payload as Receipt;
          const known = r.doc_guid ? book.get(r.doc_guid) : undefined;
          const entry = returnForReceipt(receipt, ieFlagOf(receipt, known?.ie));
          // what the receipt does not carry (an import payment's payTransactionId), from the node as it came in
          if (known?.ids)
            for (const [k, v] of Object.entries(known.ids))
              if ((entry.item[k] === '' || !(k in entry.item)) && v) entry.item[k] = v;
          return entry;
        }
      }
    });
    const next = rows.length > 0 ? String(rows[rows.length - 1].seq) : String(after);
    this.deps.metrics.returns.inc(entries.length);
    return {
      status: 200,
      body: renderReturnBatch(entries, next, more),
      headers: { 'X-Next-Cursor': next, 'X-More': String(more) },
    };
  }
}

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** A node's identifying fields: its return element without status, time and info. */
function identifiers(item: ReturnItem): Record<string, string> {
  const { returnStatus: _s, returnTime: _t, returnInfo: _i, ...ids } = item;
  return ids;
}

/**
 * Export or import return for a receipt: the message type its document came in as (when it came
 * through the gateway), else the list number's I/E letter (4-digit customs code, 4-digit year,
 * I/E, serial), else export.
 */
export function ieFlagOf(r: Receipt, known: 'I' | 'E' | undefined): 'I' | 'E' {
  if (known) return known;
  const flag = r.invtNo?.charAt(8);
  return flag === 'I' ? 'I' : 'E';
}
