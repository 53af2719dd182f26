/**
 * Fixtures for this library's tests: a departure sample (the domain's samples cover the other
 * documents), lists of several goods lines, a BaseTransfer, and helpers that edit a generated message as XML (through
 * fast-xml-parser, never by string scanning).
 */
import type { Departure, FiledList } from '@clearance/contracts';
import { SAMPLE_CODES, sampleExportFiledList, sampleGuid, sampleImportFiledList } from '@clearance/domain';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { BaseTransfer } from './types';

export const sampleBaseTransfer = (overrides: Partial<BaseTransfer> = {}): BaseTransfer => ({
  copCode: SAMPLE_CODES.ebp,
  copName: 'Sample Platform',
  dxpMode: 'DXP',
  dxpId: 'DXPENT0000000001',
  note: null,
  ...overrides,
});

/** A departure of two waybills (CEB509), consistent with the domain's export samples. */
export const sampleDeparture = (overrides: Partial<Departure> = {}): Departure => ({
  guid: sampleGuid('departure-1'),
  appType: '1',
  appTime: '20261112090000',
  appStatus: '2',
  customsCode: SAMPLE_CODES.customs,
  copNo: 'COP-1',
  preNo: null,
  logisticsCode: SAMPLE_CODES.carrier,
  logisticsName: 'Sample Express',
  trafMode: '5',
  trafName: 'CA',
  voyageNo: 'CA987',
  billNo: '999-12345678',
  leaveTime: '20261112100000',
  msgCount: 1,
  msgSeqNo: 1,
  note: null,
  lines: [
    { gnum: 1, totalPackageNo: 'BAG-1', logisticsNo: 'LN000001', note: null },
    { gnum: 2, totalPackageNo: null, logisticsNo: 'LN000002', note: 'fragile' },
  ],
  ...overrides,
});

/** The list's first goods line repeated as lines 1..n (distinct item numbers, a bar code each), the others kept. */
function withLines(list: FiledList, n: number, overrides: Partial<FiledList>): FiledList {
  const first = list.items[0];
  const items = Array.from({ length: n }, (_, i) => ({
    ...(list.items[i] ?? { ...first, itemNo: `SKU-${i + 1}`, itemName: `${first.itemName} ${i + 1}` }),
    gnum: i + 1,
    barCode: `69000000000${i + 1}`,
  }));
  return { ...list, items, ...overrides };
}

/**
 * sampleExportFiledList() with three goods lines (a CEB603 line requires barCode: the sample's
 * lines have none, so each gets one).
 */
export const sampleExportList = (overrides: Partial<FiledList> = {}): FiledList =>
  withLines(sampleExportFiledList(), 3, overrides);

/** sampleImportFiledList() with three goods lines. */
export const sampleImportList = (overrides: Partial<FiledList> = {}): FiledList =>
  withLines(sampleImportFiledList(), 3, overrides);

/** An ordered (preserveOrder) element tree, for editing generated messages in tests. */
export type Tree = Array<Record<string, unknown>>;

const treeParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: true,
});
const treeBuilder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  format: true,
  suppressEmptyNode: false,
});

export const toTree = (xml: string): Tree => treeParser.parse(xml) as Tree;
export const fromTree = (tree: Tree): string => treeBuilder.build(tree) as string;

const nameOf = (e: Record<string, unknown>): string => Object.keys(e).find((k) => k !== ':@') as string;

/** The children of the first element named `name` under `tree` (depth-first), with its index path. */
export function findAll(tree: Tree, name: string): Tree[] {
  const found: Tree[] = [];
  const walk = (entries: Tree): void => {
    for (const e of entries) {
      const n = nameOf(e);
      if (n === '#text') continue;
      if (n === name) found.push(e[n] as Tree);
      walk(e[n] as Tree);
    }
  };
  walk(tree);
  return found;
}

/** Sets (or adds, at the end) a leaf element's text in a group; `null` removes it. */
export function setLeaf(group: Tree, name: string, text: string | null): void {
  const at = group.findIndex((e) => nameOf(e) === name);
  if (text === null) {
    if (at >= 0) group.splice(at, 1);
    return;
  }
  const leaf = { [name]: [{ '#text': text }] };
  if (at >= 0) group[at] = leaf;
  else group.push(leaf);
}

/** Edits a message: `edit` receives its tree and changes it in place. */
export function editXml(xml: string, edit: (tree: Tree) => void): string {
  const tree = toTree(xml);
  edit(tree);
  return fromTree(tree);
}

/** A plain (non-ordered) reading of a document, for checking rendered returns. */
export const readXml = (xml: string): Record<string, unknown> =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false }).parse(
    xml,
  ) as Record<string, unknown>;

/** The element names of a rendered element in document order. */
export function orderOf(xml: string, element: string): string[][] {
  return findAll(toTree(xml), element).map((children) => children.map(nameOf).filter((n) => n !== '#text'));
}
