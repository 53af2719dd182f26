/**
 * Writing CEB XML: the engine's documents as inbound messages (toCebXml), return messages, the
 * CEB900 format-check return and the batch document of GET /ceb/returns. Built with
 * fast-xml-parser's XMLBuilder (escaping included), elements in the catalog's order.
 */
import { randomUUID } from 'node:crypto';
import { returnTime } from '@clearance/domain';
import { CEB_NAMESPACE, DSIG_NAMESPACE } from './catalog';
import {
  BASE_TRANSFER_PLAN,
  CEB_PREFIX,
  MESSAGE_PLANS,
  returnPlanOf,
  type GroupPlan,
  type MessagePlan,
  type ReturnPlan,
} from './compile';
import type {
  BaseTransfer,
  CebFormatCode,
  CebFormatError,
  FiledDoc,
  InboundMessageType,
  ReturnItem,
  ReturnMessageType,
} from './types';
import { valueText } from './values';
import { buildXml, el, textEl, type BuildNode } from './xml';

/** A fresh upper-case 36-character id. */
export const freshGuid = (): string => randomUUID().toUpperCase();

const rootAttrs = (guid: string): Record<string, string> => ({
  [`xmlns:${CEB_PREFIX}`]: CEB_NAMESPACE,
  guid,
  version: '1.0',
});

/** The inbound message type of a document: kind plus direction. */
export function messageTypeOf(filed: FiledDoc): InboundMessageType {
  switch (filed.kind) {
    case 'ORDER':
      return filed.doc.orderType === 'I' ? 'CEB311Message' : 'CEB303Message';
    case 'PAYMENT':
      return filed.doc.ieFlag === 'I' ? 'CEB411Message' : 'CEB403Message';
    case 'WAYBILL':
      return filed.doc.ieFlag === 'I' ? 'CEB511Message' : 'CEB505Message';
    case 'DEPARTURE':
      return 'CEB509Message';
    case 'LIST':
      return filed.doc.ieFlag === 'I' ? 'CEB621Message' : 'CEB603Message';
  }
}

/**
 * A group's elements from an Avro record (standard order, then the extension fields); nulls
 * omitted, except that a required element the standard lets be empty is written empty.
 */
function groupElements(plan: GroupPlan, doc: Readonly<Record<string, unknown>>): BuildNode[] {
  const out: BuildNode[] = [];
  for (const f of plan.fields) {
    if (f.avro === null) continue;
    const text = valueText(doc[f.avro]);
    if (text !== null) out.push(textEl(f.qname, text));
    else if (f.mayBeEmpty) out.push(textEl(f.qname, ''));
  }
  return out;
}

function nodeElement(plan: MessagePlan, doc: Readonly<Record<string, unknown>>): BuildNode {
  const head = groupElements(plan.head, doc);
  if (!plan.nested) return el(plan.nodeQname, head);
  const children = [el(plan.head.qname, head)];
  if (plan.list) {
    const lines = (doc[plan.list.avroField] ?? []) as ReadonlyArray<Record<string, unknown>>;
    for (const line of lines) children.push(el(plan.list.plan.qname, groupElements(plan.list.plan, line)));
  }
  return el(plan.nodeQname, children);
}

/** A placeholder XML-DSig element (the structure of a signature, no value). */
const signature = (): BuildNode =>
  el(
    'ds:Signature',
    [
      el('ds:SignedInfo', [
        el('ds:CanonicalizationMethod', [], { Algorithm: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315' }),
        el('ds:SignatureMethod', [], { Algorithm: `${DSIG_NAMESPACE}rsa-sha1` }),
        el(
          'ds:Reference',
          [el('ds:DigestMethod', [], { Algorithm: `${DSIG_NAMESPACE}sha1` }), textEl('ds:DigestValue', '')],
          {
            URI: '',
          },
        ),
      ]),
      textEl('ds:SignatureValue', ''),
      el('ds:KeyInfo', [textEl('ds:KeyName', '')]),
    ],
    { 'xmlns:ds': DSIG_NAMESPACE },
  );

/**
 * Documents of one kind and direction as one inbound CEB message (up to 100 nodes), extension
 * fields as extra elements after the standard ones; parseCebMessage gives them back equal.
 */
export function toCebXml(
  docs: FiledDoc[],
  baseTransfer: BaseTransfer,
  opts: { messageGuid?: string; signature?: boolean } = {},
): string {
  if (docs.length === 0) throw new Error('toCebXml: no documents');
  const type = messageTypeOf(docs[0]);
  const plan = MESSAGE_PLANS.get(type) as MessagePlan;
  if (docs.length > plan.maxNodes)
    throw new Error(`toCebXml: ${docs.length} documents, a ${type} holds at most ${plan.maxNodes}`);
  const children: BuildNode[] = [];
  for (const filed of docs) {
    const t = messageTypeOf(filed);
    if (t !== type) throw new Error(`toCebXml: a ${t} document in a ${type}`);
    children.push(nodeElement(plan, filed.doc as unknown as Record<string, unknown>));
  }
  children.push(
    el(
      BASE_TRANSFER_PLAN.qname,
      groupElements(BASE_TRANSFER_PLAN, baseTransfer as unknown as Record<string, unknown>),
    ),
  );
  if (opts.signature) children.push(signature());
  return buildXml(el(`${CEB_PREFIX}:${type}`, children, rootAttrs(opts.messageGuid ?? freshGuid())));
}

/** One return element: the plan's fields in order; a missing required one is written empty. */
function returnElement(plan: ReturnPlan, item: ReturnItem): BuildNode {
  const fields: BuildNode[] = [];
  for (const f of plan.fields) {
    const v = item[f.name];
    if (v === undefined || v === null) {
      if (f.required) fields.push(textEl(f.qname, ''));
    } else fields.push(textEl(f.qname, v));
  }
  return el(plan.qname, fields);
}

/** A whole return message with one return element per item. */
export function renderReturnMessage(
  type: ReturnMessageType,
  items: ReturnItem[],
  opts: { guid?: string } = {},
): string {
  const plan = returnPlanOf(type);
  return buildXml(
    el(
      `${CEB_PREFIX}:${type}`,
      items.map((item) => returnElement(plan, item)),
      rootAttrs(opts.guid ?? freshGuid()),
    ),
  );
}

/** Several return messages, one item each, in one document (GET /ceb/returns). */
export function renderReturnBatch(
  entries: Array<{ type: ReturnMessageType; item: ReturnItem }>,
  next: string,
  more: boolean,
): string {
  const messages = entries.map(({ type, item }) =>
    el(`${CEB_PREFIX}:${type}`, [returnElement(returnPlanOf(type), item)], {
      guid: freshGuid(),
      version: '1.0',
    }),
  );
  return buildXml(
    el(`${CEB_PREFIX}:CEBReturnBatch`, messages, {
      [`xmlns:${CEB_PREFIX}`]: CEB_NAMESPACE,
      next,
      more: String(more),
      count: String(entries.length),
    }),
  );
}

/** CEB900 returnStatus per format problem (negative: a format-check failure). */
export const FORMAT_RETURN_STATUS: Readonly<Record<CebFormatCode, string>> = {
  MALFORMED_XML: '-1',
  WRONG_NAMESPACE: '-2',
  UNKNOWN_MESSAGE_TYPE: '-3',
  NO_NODES: '-4',
  TOO_MANY_NODES: '-5',
  BAD_BASE_TRANSFER: '-6',
};

/** Cuts `text` to `max` characters (an ellipsis last), never inside a surrogate pair. */
export function capText(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * A CEB900Message (MessageReturn) with the given status and text: for a message-level error, or
 * for a refusal of the request as a whole (the gateway's authorization, size limit...).
 * oriBizMessage is left empty.
 */
export function renderMessageReturn(
  r: { returnStatus: string; returnInfo: string; oriMessageType: string; oriCopMsgId: string },
  at: number,
): string {
  const plan = returnPlanOf('CEB900Message');
  const maxInfo = plan.fields.find((f) => f.name === 'returnInfo')?.maxLength;
  const item: ReturnItem = {
    guid: freshGuid(),
    returnStatus: r.returnStatus,
    returnInfo: capText(r.returnInfo, maxInfo),
    returnTime: returnTime(at),
    oriCopMsgId: r.oriCopMsgId,
    oriMessageType: r.oriMessageType || 'Unknown',
    oriBizMessage: '',
  };
  return buildXml(el(`${CEB_PREFIX}:CEB900Message`, [returnElement(plan, item)], rootAttrs(freshGuid())));
}

/** CEB900Message (format check return) for a message-level error: a negative returnStatus per code. */
export function renderFormatError(
  error: CebFormatError,
  at: number,
  opts: { oriCopMsgId?: string } = {},
): string {
  return renderMessageReturn(
    {
      returnStatus: FORMAT_RETURN_STATUS[error.code] ?? '-1',
      returnInfo: `${error.code}: ${error.message}`,
      oriMessageType: error.messageType ?? 'Unknown',
      oriCopMsgId: opts.oriCopMsgId ?? error.messageGuid ?? '',
    },
    at,
  );
}
