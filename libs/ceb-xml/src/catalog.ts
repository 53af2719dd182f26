/**
 * How the standard's messages (catalog.generated.ts) map to the engine's Avro documents: which
 * element of a node holds which record, renamed elements, values that follow from the message
 * type, where an extension field's rule comes from, and the few rules the standard does not give.
 * Data only; compile.ts turns it into per-message tables once, at load.
 */
import type { CebElementDef, CebFieldDef } from './catalog-types';
import { CEB_MESSAGES, type AvroRecordName, type CebCatalogMessage } from './catalog.generated';
import type { DocKind, InboundMessageType, ReturnMessageType } from './types';

export const CEB_NAMESPACE = 'http://www.chinaport.gov.cn/ceb';
export const DSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';

/** BaseTransfer (传输企业信息): not in the reference lists; as the brief of the standard gives it. */
export const BASE_TRANSFER: CebElementDef = {
  name: 'BaseTransfer',
  minOccurs: 1,
  maxOccurs: 1,
  doc: '传输企业信息',
  fields: [
    { name: 'copCode', type: 'string', minOccurs: 1, maxLength: 18, doc: '传输企业代码' },
    { name: 'copName', type: 'string', minOccurs: 1, maxLength: 100, doc: '传输企业名称' },
    { name: 'dxpMode', type: 'string', minOccurs: 1, length: 3, doc: '报文传输模式，默认为DXP' },
    {
      name: 'dxpId',
      type: 'string',
      minOccurs: 1,
      maxLength: 30,
      doc: '报文传输编号（向中国电子口岸数据中心申请）',
    },
    { name: 'note', type: 'string', minOccurs: 0, maxLength: 1000, doc: '备注' },
  ],
  children: [],
};

/** Where the fields of one group of a node (its head, or one line of its list) go. */
export interface GroupSpec {
  /** The element holding the fields; null when the node element itself holds them (Receipts, CEB505 Logistics). */
  readonly element: string | null;
  readonly record: AvroRecordName;
  /** The matching group of the list message (CEB603 / CEB621), where extension rules come from first. */
  readonly listGroup?: string;
  /** The same group in the sibling message (the other direction's message of the same document). */
  readonly siblingGroup?: string;
}

export interface InboundSpec {
  readonly type: InboundMessageType;
  readonly kind: DocKind;
  readonly ieFlag: 'I' | 'E';
  readonly returnType: ReturnMessageType;
  readonly head: GroupSpec;
  readonly list?: GroupSpec & { readonly element: string; readonly avroField: 'items' | 'lines' };
  /**
   * The list message of the same direction, then the sibling, then the other list message (for a
   * list message itself: the other list message).
   */
  readonly ruleSources: ReadonlyArray<CebCatalogMessage>;
  /** Standard element -> Avro field, where the names differ */
  readonly renames?: Readonly<Record<string, string>>;
  /**
   * Avro fields that follow from the message type. Where the message has the field as a standard
   * element too (CEB603 / CEB621 ieFlag), a value other than this one is a field problem.
   */
  readonly derived?: Readonly<Record<string, string>>;
}

export const INBOUND: Readonly<Record<InboundMessageType, InboundSpec>> = {
  CEB303Message: {
    type: 'CEB303Message',
    kind: 'ORDER',
    ieFlag: 'E',
    returnType: 'CEB304Message',
    head: { element: 'OrderHead', record: 'Order', listGroup: 'InventoryHead', siblingGroup: 'OrderHead' },
    list: {
      element: 'OrderList',
      record: 'OrderItem',
      avroField: 'items',
      listGroup: 'InventoryList',
      siblingGroup: 'OrderList',
    },
    ruleSources: ['CEB603Message', 'CEB311Message', 'CEB621Message'],
  },
  CEB311Message: {
    type: 'CEB311Message',
    kind: 'ORDER',
    ieFlag: 'I',
    returnType: 'CEB312Message',
    head: { element: 'OrderHead', record: 'Order', listGroup: 'InventoryHead', siblingGroup: 'OrderHead' },
    list: {
      element: 'OrderList',
      record: 'OrderItem',
      avroField: 'items',
      listGroup: 'InventoryList',
      siblingGroup: 'OrderList',
    },
    ruleSources: ['CEB621Message', 'CEB303Message', 'CEB603Message'],
  },
  CEB403Message: {
    type: 'CEB403Message',
    kind: 'PAYMENT',
    ieFlag: 'E',
    returnType: 'CEB404Message',
    head: { element: null, record: 'Payment', listGroup: 'InventoryHead', siblingGroup: 'PaymentHead' },
    ruleSources: ['CEB603Message', 'CEB411Message', 'CEB621Message'],
    derived: { ieFlag: 'E' },
  },
  CEB411Message: {
    type: 'CEB411Message',
    kind: 'PAYMENT',
    ieFlag: 'I',
    returnType: 'CEB412Message',
    head: { element: 'PaymentHead', record: 'Payment', listGroup: 'InventoryHead', siblingGroup: 'Receipts' },
    ruleSources: ['CEB621Message', 'CEB403Message', 'CEB603Message'],
    derived: { ieFlag: 'I' },
  },
  CEB505Message: {
    type: 'CEB505Message',
    kind: 'WAYBILL',
    ieFlag: 'E',
    returnType: 'CEB506Message',
    head: { element: null, record: 'Waybill', listGroup: 'InventoryHead', siblingGroup: 'LogisticsHead' },
    ruleSources: ['CEB603Message', 'CEB511Message', 'CEB621Message'],
    derived: { ieFlag: 'E' },
  },
  CEB511Message: {
    type: 'CEB511Message',
    kind: 'WAYBILL',
    ieFlag: 'I',
    returnType: 'CEB512Message',
    head: {
      element: 'LogisticsHead',
      record: 'Waybill',
      listGroup: 'InventoryHead',
      siblingGroup: 'Logistics',
    },
    ruleSources: ['CEB621Message', 'CEB505Message', 'CEB603Message'],
    renames: { weight: 'grossWeight' },
    derived: { ieFlag: 'I' },
  },
  CEB509Message: {
    type: 'CEB509Message',
    kind: 'DEPARTURE',
    ieFlag: 'E',
    returnType: 'CEB510Message',
    head: { element: 'DepartureHead', record: 'Departure' },
    list: { element: 'DepartureList', record: 'DepartureListItem', avroField: 'lines' },
    ruleSources: [],
  },
  // The declaration list (清单). ieFlag is a standard element here: it must agree with the message type.
  CEB603Message: {
    type: 'CEB603Message',
    kind: 'LIST',
    ieFlag: 'E',
    returnType: 'CEB604Message',
    head: { element: 'InventoryHead', record: 'FiledList', listGroup: 'InventoryHead' },
    list: {
      element: 'InventoryList',
      record: 'FiledListItem',
      avroField: 'items',
      listGroup: 'InventoryList',
    },
    ruleSources: ['CEB621Message'],
    derived: { ieFlag: 'E' },
  },
  CEB621Message: {
    type: 'CEB621Message',
    kind: 'LIST',
    ieFlag: 'I',
    returnType: 'CEB622Message',
    head: { element: 'InventoryHead', record: 'FiledList', listGroup: 'InventoryHead' },
    list: {
      element: 'InventoryList',
      record: 'FiledListItem',
      avroField: 'items',
      listGroup: 'InventoryList',
    },
    ruleSources: ['CEB603Message'],
    derived: { ieFlag: 'I' },
  },
};

/**
 * Rules for extension fields that no CEB message gives (type and facets; whether they are
 * required follows from the Avro schema).
 */
export const DECLARED_RULES: Readonly<
  Partial<Record<AvroRecordName, Readonly<Record<string, CebFieldDef>>>>
> = {
  Order: {
    buyerIdVerified: {
      name: 'buyerIdVerified',
      type: 'string',
      minOccurs: 0,
      doc: 'boolean: true/false/1/0',
    },
    summaryFlag: {
      name: 'summaryFlag',
      type: 'string',
      minOccurs: 0,
      length: 1,
      doc: '汇总方式: 1 按收发货人, 2 按收发货人和生产销售单位',
    },
  },
};

/** The element of a message holding the given group (the node itself, or one of its children). */
export function groupDef(message: CebCatalogMessage, group: string | null): CebElementDef | undefined {
  const node = CEB_MESSAGES[message].node;
  if (group === null || node.name === group) return node;
  return node.children.find((c) => c.name === group);
}

/** Which element of the sibling / list message a group of `spec` corresponds to. */
export function ruleGroup(spec: InboundSpec, source: CebCatalogMessage, isList: boolean): string | null {
  const g = isList ? spec.list : spec.head;
  if (!g) return null;
  const src = CEB_MESSAGES[source].node;
  const wanted = source === 'CEB603Message' || source === 'CEB621Message' ? g.listGroup : g.siblingGroup;
  if (!wanted) return null;
  return src.name === wanted ? src.name : (src.children.find((c) => c.name === wanted)?.name ?? null);
}
