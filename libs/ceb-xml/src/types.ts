import type { Departure, FiledList, Order, Payment, Waybill } from '@clearance/contracts';

export type InboundMessageType =
  | 'CEB303Message'
  | 'CEB311Message'
  | 'CEB403Message'
  | 'CEB411Message'
  | 'CEB505Message'
  | 'CEB511Message'
  | 'CEB509Message'
  | 'CEB603Message'
  | 'CEB621Message';

export type ReturnMessageType =
  | 'CEB304Message'
  | 'CEB312Message'
  | 'CEB404Message'
  | 'CEB412Message'
  | 'CEB506Message'
  | 'CEB512Message'
  | 'CEB510Message'
  | 'CEB604Message'
  | 'CEB622Message';

export type DocKind = 'ORDER' | 'PAYMENT' | 'WAYBILL' | 'DEPARTURE' | 'LIST';

export type FiledDoc =
  | { kind: 'ORDER'; doc: Order }
  | { kind: 'PAYMENT'; doc: Payment }
  | { kind: 'WAYBILL'; doc: Waybill }
  | { kind: 'DEPARTURE'; doc: Departure }
  | { kind: 'LIST'; doc: FiledList };

export interface BaseTransfer {
  copCode: string;
  copName: string;
  dxpMode: string;
  dxpId: string;
  note: string | null;
}

/**
 * `field` is a path: 'OrderHead.goodsValue', 'OrderList[2].qty' (1-based), 'Logistics.grossWeight',
 * 'InventoryHead.copNo'.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A return element's fields (element name -> text), rendered in the catalog's order; absent optional ones omitted. */
export type ReturnItem = Record<string, string>;

export type CebNode =
  | { ok: true; index: number; guid: string; filed: FiledDoc }
  | { ok: false; index: number; guid: string | null; problems: FieldProblem[] };

export interface CebMessage {
  type: InboundMessageType;
  kind: DocKind;
  ieFlag: 'I' | 'E';
  returnType: ReturnMessageType;
  /** the root element's guid attribute (the transmission's id), if any */
  messageGuid: string | null;
  baseTransfer: BaseTransfer;
  /** a ds:Signature element was present (kept as received; not verified) */
  signed: boolean;
  /** in document order, index 1-based */
  nodes: CebNode[];
}

export type CebFormatCode =
  | 'MALFORMED_XML'
  | 'WRONG_NAMESPACE'
  | 'UNKNOWN_MESSAGE_TYPE'
  | 'NO_NODES'
  | 'TOO_MANY_NODES'
  | 'BAD_BASE_TRANSFER';

/**
 * A message-level problem: the whole message is refused (answered with a CEB900). `messageGuid`
 * (an addition) carries the root's guid attribute when it could be read, for oriCopMsgId.
 */
export class CebFormatError extends Error {
  constructor(
    readonly code: CebFormatCode,
    message: string,
    readonly messageType: string | null = null,
    readonly messageGuid: string | null = null,
  ) {
    super(message);
    this.name = 'CebFormatError';
  }
}
