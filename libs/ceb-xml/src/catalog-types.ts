/**
 * The shapes of the declarative CEB message catalog (catalog.generated.ts, written by
 * tools/codegen/ceb-catalog.ts from the standard's field lists) and of the Avro record
 * descriptors generated alongside it from schemas/*.avsc.
 */

/** XSD base type of a field. */
export type CebFieldType = 'string' | 'decimal' | 'int';

/** One leaf element of a CEB message: name, type and facets, occurrence. */
export interface CebFieldDef {
  readonly name: string;
  readonly type: CebFieldType;
  /** 1: required, 0: `(0..1)` in the standard */
  readonly minOccurs: 0 | 1;
  /** string: exact length (characters) */
  readonly length?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** decimal / int: significant digits */
  readonly totalDigits?: number;
  /** decimal: digits after the point */
  readonly fractionDigits?: number;
  /** whiteSpace=collapse: runs of white space become one space */
  readonly collapse?: boolean;
  /** The standard's description (Chinese) */
  readonly doc: string;
}

/** A complex element: its leaf fields and its child elements, each in the standard's order. */
export interface CebElementDef {
  readonly name: string;
  readonly minOccurs: number;
  /** Infinity for `unbounded` */
  readonly maxOccurs: number;
  readonly doc: string;
  readonly fields: ReadonlyArray<CebFieldDef>;
  readonly children: ReadonlyArray<CebElementDef>;
}

/** A message element other than its data nodes (BaseTransfer, BaseSubscribe, ds:Signature, ExtendMessage). */
export interface CebEnvelopeRef {
  readonly name: string;
  readonly minOccurs: number;
  readonly maxOccurs: number;
}

/** One CEB message: its repeated data element (the "node") and the envelope elements. */
export interface CebMessageDef {
  readonly name: string;
  readonly doc: string;
  /** Which reference list it comes from */
  readonly direction: 'export' | 'import';
  readonly node: CebElementDef;
  readonly envelope: ReadonlyArray<CebEnvelopeRef>;
}

/** Avro field type as far as the XML mapping cares. */
export type AvroFieldKind = 'string' | 'decimal' | 'int' | 'boolean' | 'array';

export interface AvroFieldDef {
  readonly name: string;
  readonly kind: AvroFieldKind;
  readonly nullable: boolean;
  /** array: the record name of the items */
  readonly items?: string;
}

export interface AvroRecordDef {
  readonly name: string;
  readonly fields: ReadonlyArray<AvroFieldDef>;
}
