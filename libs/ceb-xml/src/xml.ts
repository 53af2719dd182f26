/**
 * fast-xml-parser, configured once: values stay strings (no number parsing, "00123" stays
 * "00123"), text trimmed, document order preserved (`preserveOrder`: an element is
 * `{ name: children[], ':@': attributes }`, twice as fast here as the grouped-object output and
 * repeated elements stay visible), attributes without a prefix, element prefixes kept so
 * namespaces can be resolved from the xmlns attributes.
 *
 * Entities: only the five predefined XML entities and character references are decoded; any
 * other reference is an error (not well-formed). A DOCTYPE (the only place entities can be
 * declared) is refused: the parser hands its declared entities to the decoder, which throws, so
 * nothing is ever expanded.
 */
import { XMLBuilder, XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';

export const ATTRS = ':@';
export const TEXT = '#text';

/** Thrown (through the parser) when the document has a DOCTYPE. */
export class DoctypeRefused extends Error {
  constructor() {
    super('a DOCTYPE / entity declaration is not allowed in a CEB message');
    this.name = 'DoctypeRefused';
  }
}

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);
const REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z_:][\w.:-]*));/g;

function decodeReference(match: string, hex?: string, dec?: string, name?: string): string {
  if (name) {
    const v = PREDEFINED.get(name);
    if (v === undefined) throw new Error(`undefined entity ${match}`);
    return v;
  }
  const cp = hex ? parseInt(hex, 16) : Number(dec);
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return match;
  return String.fromCodePoint(cp);
}

/** The parser's entity decoder: XML's own references only; any declared entity is refused. */
const xmlEntities: NonNullable<X2jOptions['entityDecoder']> = {
  setExternalEntities: () => undefined,
  addInputEntities: () => {
    throw new DoctypeRefused();
  },
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text: string) => (text.indexOf('&') < 0 ? text : text.replace(REFERENCE, decodeReference)),
};

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: TEXT,
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  cdataPropName: false,
  processEntities: true,
  entityDecoder: xmlEntities,
  jPath: false,
});

/**
 * One entry of the parser's ordered output: an element `{ [qname]: children, ':@'?: attributes }`
 * (the name is its first key) or a text piece `{ '#text': text }`.
 */
export type XmlEntry = { [name: string]: XmlEntry[] | Record<string, string> | string };

/** The qualified name of an element entry ('#text' for a text piece). */
export function nameOf(entry: XmlEntry): string {
  for (const k in entry) if (k !== ATTRS) return k;
  return TEXT;
}

export const childrenOf = (entry: XmlEntry, name: string): XmlEntry[] => entry[name] as XmlEntry[];
export const attrsOf = (entry: XmlEntry): Record<string, string> | undefined =>
  entry[ATTRS] as Record<string, string> | undefined;

/**
 * Parses a document: throws a message naming the problem when it is not well-formed (checked by
 * fast-xml-parser's validator first: the parser alone is lenient) or has a DOCTYPE.
 */
export function parseXml(text: string): XmlEntry[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new Error(`${msg} (line ${line}${col ? `, column ${col}` : ''})`);
  }
  return parser.parse(text) as XmlEntry[];
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: TEXT,
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
  processEntities: true,
});

/** An element for the builder: name -> children, attributes under ':@'. */
export type BuildNode = { [name: string]: BuildNode[] | Record<string, string> | string };

export const el = (name: string, children: BuildNode[], attrs?: Record<string, string>): BuildNode => {
  const node: BuildNode = { [name]: children };
  if (attrs) {
    const a: Record<string, string> = {};
    for (const k of Object.keys(attrs)) a[`@_${k}`] = attrs[k];
    node[ATTRS] = a;
  }
  return node;
};

export const textEl = (name: string, text: string): BuildNode => ({ [name]: [{ [TEXT]: text }] });

const DECLARATION: BuildNode = {
  '?xml': [{ [TEXT]: '' }],
  [ATTRS]: { '@_version': '1.0', '@_encoding': 'UTF-8' },
};

/** A document with an XML declaration. */
export function buildXml(root: BuildNode): string {
  return builder.build([DECLARATION, root]) as string;
}

/** Namespace bindings in scope, with a cache of resolved qualified names. */
export class Scope {
  private readonly cache = new Map<string, { ns: string | null; local: string }>();
  constructor(private readonly bindings: Readonly<Record<string, string>>) {}

  /** The scope inside an element with these attributes (itself when they bind nothing). */
  within(attrs: Record<string, string> | undefined): Scope {
    if (!attrs) return this;
    let next: Record<string, string> | null = null;
    for (const name in attrs) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        next ??= { ...this.bindings };
        next[name === 'xmlns' ? '' : name.slice(6)] = attrs[name];
      }
    }
    return next ? new Scope(next) : this;
  }

  /** Namespace URI ('' for none, null for an unbound prefix) and local name of a qualified name. */
  resolve(qname: string): { ns: string | null; local: string } {
    let r = this.cache.get(qname);
    if (!r) {
      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const bound = this.bindings[prefix];
      r = { ns: bound ?? (prefix === '' ? '' : null), local: colon < 0 ? qname : qname.slice(colon + 1) };
      this.cache.set(qname, r);
    }
    return r;
  }

  static root(): Scope {
    return new Scope({ xml: 'http://www.w3.org/XML/1998/namespace' });
  }
}
