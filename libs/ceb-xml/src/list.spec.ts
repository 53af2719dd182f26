import { schemaByName, type FiledList, type Receipt } from '@clearance/contracts';
import { buildReceipt, SAMPLE_CODES, sampleGuid, validateFiledList } from '@clearance/domain';
import {
  describeProblems,
  nodeReturn,
  parseCebMessage,
  renderReturnMessage,
  returnForReceipt,
  toCebXml,
  type CebMessage,
  type CebNode,
  type FieldProblem,
  type FiledDoc,
} from './index';
import {
  editXml,
  findAll,
  orderOf,
  sampleBaseTransfer,
  sampleExportList,
  sampleImportList,
  setLeaf,
  type Tree,
} from './test-fixtures';

const AT = Date.UTC(2026, 10, 10, 4, 5, 6, 789); // 2026-11-10 12:05:06.789 China time
const RETURN_TIME = '20261110120506789';
const AGENT = 'AGT0000001';

const list = (doc: FiledList): FiledDoc => ({ kind: 'LIST', doc });
const write = (...docs: FiledList[]): string => toCebXml(docs.map(list), sampleBaseTransfer());

const okDocs = (m: CebMessage): FiledDoc[] =>
  m.nodes.map((n: CebNode) => {
    if (!n.ok) throw new Error(`node ${n.index} refused: ${JSON.stringify(n.problems)}`);
    return n.filed;
  });
const problemsOf = (node: CebNode): FieldProblem[] => (node.ok ? [] : node.problems);

/** The first list's head and lines of a written message, edited in place. */
const edit = (xml: string, change: (head: Tree, lines: Tree[]) => void): string =>
  editXml(xml, (tree) => change(findAll(tree, 'ceb:InventoryHead')[0], findAll(tree, 'ceb:InventoryList')));

describe('declaration lists (CEB603 / CEB621): round trip', () => {
  it.each([
    ['CEB603Message', 'E', 'CEB604Message', sampleExportList()],
    ['CEB621Message', 'I', 'CEB622Message', sampleImportList()],
  ] as const)(
    'given a %s list of three goods lines, when written and parsed back, then it is equal, valid Avro and passes the engine validation',
    (type, ie, returnType, doc) => {
      // given
      const xml = toCebXml([list(doc)], sampleBaseTransfer(), { messageGuid: sampleGuid('list-msg') });
      // when
      const m = parseCebMessage(xml);
      // then
      expect([m.type, m.kind, m.ieFlag, m.returnType]).toEqual([type, 'LIST', ie, returnType]);
      expect(m.messageGuid).toBe(sampleGuid('list-msg'));
      expect(okDocs(m)).toEqual([list(doc)]);
      expect(m.nodes[0].guid).toBe(doc.guid);
      const back = okDocs(m)[0].doc as FiledList;
      expect(back.items).toHaveLength(3);
      expect(back.ieFlag).toBe(ie);
      expect(schemaByName('FiledList').type.isValid(back)).toBe(true);
      expect(validateFiledList(back)).toEqual([]);
    },
  );

  it('given several lists, when written, then one message of Inventory nodes, each read back in order', () => {
    // given
    const docs = [
      sampleExportList(),
      sampleExportList({ guid: sampleGuid('list-2'), orderNo: 'SO-1002', copNo: 'L-SO-1002' }),
    ];
    // when
    const m = parseCebMessage(write(...docs));
    // then
    expect(m.nodes.map((n) => n.index)).toEqual([1, 2]);
    expect(okDocs(m)).toEqual(docs.map(list));
  });

  it('given an export list, then InventoryHead / InventoryList hold the standard elements in order, the extensions after them', () => {
    const xml = write(sampleExportList({ currency: '502' }));
    expect(orderOf(xml, 'ceb:Inventory')[0]).toEqual([
      'ceb:InventoryHead',
      'ceb:InventoryList',
      'ceb:InventoryList',
      'ceb:InventoryList',
    ]);
    const [head] = orderOf(xml, 'ceb:InventoryHead');
    expect(head.slice(0, 6)).toEqual(
      ['guid', 'appType', 'appTime', 'appStatus', 'customsCode', 'ebpCode'].map((n) => `ceb:${n}`),
    );
    expect(head).toContain('ceb:ieFlag');
    expect(head[head.length - 1]).toBe('ceb:currency'); // an extension field (CEB621's), after the standard ones
    expect(orderOf(xml, 'ceb:InventoryList')[0][0]).toBe('ceb:gnum');
  });

  it('given an import list with the export-only fields, then they travel as extension elements (rules of CEB603)', () => {
    const doc = sampleImportList({ statisticsFlag: 'A', POD: 'PVG', fFlag: '3' });
    expect(okDocs(parseCebMessage(write(doc)))).toEqual([list(doc)]);
  });

  it('given CEB603 names the standard lets be empty, then an empty element reads as null and a null is written empty', () => {
    // given: ebpName, logisticsName, agentName, ebcName are minLength 0 (required, may be empty) in CEB603
    const doc = sampleExportList({ ebpName: null, logisticsName: null, agentName: null, ebcName: null });
    const xml = write(doc);
    // when
    const m = parseCebMessage(xml);
    // then
    expect(orderOf(xml, 'ceb:InventoryHead')[0]).toContain('ceb:ebpName');
    expect(okDocs(m)).toEqual([list(doc)]);
  });
});

describe('declaration lists: field problems', () => {
  const twoLists = write(
    sampleExportList(),
    sampleExportList({ guid: sampleGuid('list-2'), orderNo: 'SO-1002', copNo: 'L-SO-1002' }),
  );

  it('given a too long copNo, a missing required field and a bad decimal in the second line, then the node is refused with each path', () => {
    // given
    const xml = edit(twoLists, (head, lines) => {
      setLeaf(head, 'ceb:copNo', 'C'.repeat(31));
      setLeaf(head, 'ceb:logisticsNo', null);
      setLeaf(lines[1], 'ceb:qty', '1.5.0');
    });
    // when
    const m = parseCebMessage(xml);
    // then
    expect(problemsOf(m.nodes[0])).toEqual([
      { field: 'InventoryHead.copNo', message: '31 characters, at most 30 allowed' },
      { field: 'InventoryHead.logisticsNo', message: 'required, missing' },
      { field: 'InventoryList[2].qty', message: '"1.5.0" is not a decimal number' },
    ]);
    expect(m.nodes[0].guid).toBe(sampleExportList().guid);
    expect(m.nodes[1].ok).toBe(true); // the other list is unaffected
  });

  it('given an ieFlag contradicting the message type, then InventoryHead.ieFlag is a problem', () => {
    const e = parseCebMessage(edit(write(sampleExportList()), (head) => setLeaf(head, 'ceb:ieFlag', 'I')));
    expect(problemsOf(e.nodes[0])).toEqual([
      { field: 'InventoryHead.ieFlag', message: '"I" contradicts the message type, which fixes it as E' },
    ]);
    const i = parseCebMessage(edit(write(sampleImportList()), (head) => setLeaf(head, 'ceb:ieFlag', 'E')));
    expect(problemsOf(i.nodes[0])).toEqual([
      { field: 'InventoryHead.ieFlag', message: '"E" contradicts the message type, which fixes it as I' },
    ]);
  });

  it('given no ieFlag, then it is missing (the standard requires it), not taken from the message type', () => {
    const m = parseCebMessage(edit(write(sampleExportList()), (head) => setLeaf(head, 'ceb:ieFlag', null)));
    expect(problemsOf(m.nodes[0])).toEqual([{ field: 'InventoryHead.ieFlag', message: 'required, missing' }]);
  });

  it('given a CEB621 without copNo (0..1 in the standard), then the engine refuses it: FiledList requires it', () => {
    const m = parseCebMessage(edit(write(sampleImportList()), (head) => setLeaf(head, 'ceb:copNo', null)));
    expect(problemsOf(m.nodes[0])).toEqual([{ field: 'InventoryHead.copNo', message: 'required, missing' }]);
    const long = parseCebMessage(
      edit(write(sampleImportList()), (head) => setLeaf(head, 'ceb:copNo', 'C'.repeat(21))),
    );
    expect(problemsOf(long.nodes[0])).toEqual([
      { field: 'InventoryHead.copNo', message: '21 characters, at most 20 allowed' },
    ]);
  });

  it('given an empty ebpName, then CEB603 accepts it (minLength 0) and CEB621 does not; an empty CEB603 ebcCode is missing', () => {
    const e = parseCebMessage(edit(write(sampleExportList()), (head) => setLeaf(head, 'ceb:ebpName', '')));
    expect((okDocs(e)[0].doc as FiledList).ebpName).toBeNull();
    const absent = parseCebMessage(
      edit(write(sampleExportList()), (head) => setLeaf(head, 'ceb:ebpName', null)),
    );
    expect(problemsOf(absent.nodes[0])).toEqual([
      { field: 'InventoryHead.ebpName', message: 'required, missing' },
    ]);
    const i = parseCebMessage(edit(write(sampleImportList()), (head) => setLeaf(head, 'ceb:ebpName', '')));
    expect(problemsOf(i.nodes[0])).toEqual([
      { field: 'InventoryHead.ebpName', message: 'required, missing' },
    ]);
    const ebc = parseCebMessage(edit(write(sampleExportList()), (head) => setLeaf(head, 'ceb:ebcCode', '')));
    expect(problemsOf(ebc.nodes[0])).toEqual([
      { field: 'InventoryHead.ebcCode', message: 'required, missing' },
    ]);
  });

  it('given a missing field and an unknown element in lines, then the paths name the line', () => {
    const m = parseCebMessage(
      edit(write(sampleImportList()), (_head, lines) => {
        setLeaf(lines[2], 'ceb:gcode', null);
        setLeaf(lines[0], 'ceb:weight', '1');
      }),
    );
    expect(problemsOf(m.nodes[0])).toEqual([
      {
        field: 'InventoryList[1].weight',
        message: 'unknown element: neither a InventoryList field of the standard nor an extension field',
      },
      { field: 'InventoryList[3].gcode', message: 'required, missing' },
    ]);
  });

  it('given 99 goods lines, then a CEB621 is read; given 100, then the line count is a problem', () => {
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...sampleImportList().items[0], gnum: i + 1 }));
    const ok = parseCebMessage(write(sampleImportList({ items: lines(99) })));
    expect(okDocs(ok)[0].doc).toMatchObject({ items: lines(99) });
    const tooMany = parseCebMessage(write(sampleImportList({ items: lines(100) })));
    expect(problemsOf(tooMany.nodes[0])).toEqual([
      { field: 'Inventory.InventoryList', message: '100 present, at most 99 allowed' },
    ]);
  });
});

describe('declaration lists: nodeReturn', () => {
  it('given an accepted export list, then the CEB604 InventoryReturn carries its identifying fields, preNo and invtNo empty', () => {
    // given
    const doc = sampleExportList({ agentCode: AGENT });
    const m = parseCebMessage(write(doc));
    // when
    const item = nodeReturn(m, m.nodes[0], '2', 'accepted', AT);
    // then
    expect(m.returnType).toBe('CEB604Message');
    expect(item).toEqual({
      guid: doc.guid,
      agentCode: AGENT,
      copNo: 'L-SO-1001',
      preNo: '',
      invtNo: '',
      ebcCode: SAMPLE_CODES.ebc,
      ebpCode: SAMPLE_CODES.ebp,
      orderNo: 'SO-1001',
      statisticsFlag: 'B',
      returnStatus: '2',
      returnTime: RETURN_TIME,
      returnInfo: 'accepted',
    });
    expect(orderOf(renderReturnMessage(m.returnType, [item]), 'ceb:InventoryReturn')[0]).toEqual(
      Object.keys(item).map((k) => `ceb:${k}`),
    );
  });

  it('given an accepted import list, then the CEB622 InventoryReturn carries its fields, the unknown optional invtNo left out', () => {
    const doc = sampleImportList({ agentCode: AGENT });
    const m = parseCebMessage(write(doc));
    const item = nodeReturn(m, m.nodes[0], '2', 'accepted', AT);
    expect(m.returnType).toBe('CEB622Message');
    expect(item).toEqual({
      guid: doc.guid,
      customsCode: SAMPLE_CODES.customs,
      ebpCode: SAMPLE_CODES.ebp,
      ebcCode: SAMPLE_CODES.ebc,
      agentCode: AGENT,
      copNo: 'L-IO-2001',
      preNo: '',
      returnStatus: '2',
      returnTime: RETURN_TIME,
      returnInfo: 'accepted',
    });
    expect(Object.keys(item)).toEqual([
      'guid',
      'customsCode',
      'ebpCode',
      'ebcCode',
      'agentCode',
      'copNo',
      'preNo',
      'returnStatus',
      'returnTime',
      'returnInfo',
    ]);
  });

  it('given a refused list, then its return carries what could be read ("" for the rest) and the problems', () => {
    // given: no agentCode, a contradicting ieFlag
    const xml = edit(write(sampleExportList()), (head) => {
      setLeaf(head, 'ceb:agentCode', null);
      setLeaf(head, 'ceb:ieFlag', 'I');
    });
    const m = parseCebMessage(xml);
    const node = m.nodes[0];
    // when
    const item = nodeReturn(m, node, '100', node.ok ? '' : describeProblems(node.problems), AT);
    // then
    expect(item).toMatchObject({
      guid: sampleExportList().guid,
      agentCode: '',
      copNo: 'L-SO-1001',
      orderNo: 'SO-1001',
      returnStatus: '100',
      returnInfo:
        'InventoryHead.ieFlag: "I" contradicts the message type, which fixes it as E; InventoryHead.agentCode: required, missing',
    });
  });

  it('given a copy of an accepted list node (rebuilt from storage), then the same return', () => {
    const m = parseCebMessage(write(sampleImportList()));
    const copy = JSON.parse(JSON.stringify(m.nodes[0])) as CebNode;
    expect(nodeReturn(m, copy, '2', 'ok', AT)).toEqual(nodeReturn(m, m.nodes[0], '2', 'ok', AT));
  });
});

describe('declaration lists: returnForReceipt', () => {
  /** A receipt of a filed list, addressed to its filer (EBC, participantCode = the list's agentCode). */
  const listReceipt = (overrides: Partial<Parameters<typeof buildReceipt>[0]> = {}): Receipt =>
    buildReceipt({
      to: { participant: 'EBC', code: AGENT, docType: 'LIST', docGuid: sampleExportList().guid },
      ref: {
        caseKey: `${SAMPLE_CODES.ebp}:SO-1001`,
        ebpCode: SAMPLE_CODES.ebp,
        orderNo: 'SO-1001',
        logisticsCode: SAMPLE_CODES.carrier,
        logisticsNo: 'LN000001',
        invtNo: '51412026E000000001',
      },
      returnStatus: '120',
      at: AT,
      returnInfo: 'list matched',
      ...overrides,
    });

  it('given an export list receipt, then CEB604 with docGuid, invtNo, ebpCode, orderNo and the filer as agentCode; copNo, ebcCode, statisticsFlag empty', () => {
    // when
    const { type, item } = returnForReceipt(listReceipt(), 'E');
    // then
    expect(type).toBe('CEB604Message');
    expect(item).toEqual({
      guid: sampleExportList().guid,
      agentCode: AGENT,
      copNo: '',
      preNo: '',
      invtNo: '51412026E000000001',
      ebcCode: '',
      ebpCode: SAMPLE_CODES.ebp,
      orderNo: 'SO-1001',
      statisticsFlag: '',
      returnStatus: '120',
      returnTime: RETURN_TIME,
      returnInfo: 'list matched',
    });
  });

  it('given an import list receipt, then CEB622 with the customs code of its list number, the unknown optional fields left out', () => {
    const r = listReceipt({
      to: { participant: 'EBC', code: AGENT, docType: 'LIST', docGuid: sampleImportList().guid },
      ref: {
        caseKey: `${SAMPLE_CODES.ebp}:IO-2001`,
        ebpCode: SAMPLE_CODES.ebp,
        orderNo: 'IO-2001',
        logisticsCode: SAMPLE_CODES.carrier,
        logisticsNo: 'LN900001',
        invtNo: '51412026I000000001',
      },
      returnStatus: '100',
      returnInfo: 'list rejected',
      reasons: [{ code: 'LIST_ORDER_MISMATCH', message: 'orderNo: filed "IO-2", compiled "IO-2001"' }],
    });
    expect(returnForReceipt(r, 'I')).toEqual({
      type: 'CEB622Message',
      item: {
        guid: sampleImportList().guid,
        customsCode: '5141',
        ebpCode: SAMPLE_CODES.ebp,
        agentCode: AGENT,
        copNo: '',
        preNo: '',
        invtNo: '51412026I000000001',
        returnStatus: '100',
        returnTime: RETURN_TIME,
        returnInfo: 'list rejected [LIST_ORDER_MISMATCH] orderNo: filed "IO-2", compiled "IO-2001"',
      },
    });
  });

  it('given a list receipt before a list number, then invtNo is empty in CEB604 and left out of CEB622', () => {
    const r = listReceipt({
      ref: {
        caseKey: `${SAMPLE_CODES.ebp}:SO-1001`,
        ebpCode: SAMPLE_CODES.ebp,
        orderNo: 'SO-1001',
        logisticsCode: null,
        logisticsNo: null,
        invtNo: null,
      },
      returnStatus: '2',
    });
    expect(returnForReceipt(r, 'E').item).toMatchObject({ invtNo: '', agentCode: AGENT });
    const i = returnForReceipt(r, 'I').item;
    expect(i).not.toHaveProperty('invtNo');
    expect(i).not.toHaveProperty('customsCode');
  });

  it('given a list receipt addressed to another participant (a refused sender), then agentCode is not taken from it', () => {
    const r = listReceipt({
      to: { participant: 'EBP', code: SAMPLE_CODES.ebp, docType: 'LIST', docGuid: sampleExportList().guid },
    });
    expect(returnForReceipt(r, 'E').item).toMatchObject({
      agentCode: '',
      ebcCode: '',
      ebpCode: SAMPLE_CODES.ebp,
    });
  });

  it('given a list node as it came in, then its identifying fields fill what the receipt leaves empty (as the gateway does)', () => {
    // given: the node's return as stored by the gateway, and a later receipt of that list
    const doc = sampleExportList({ agentCode: AGENT });
    const m = parseCebMessage(write(doc));
    const {
      returnStatus: _s,
      returnTime: _t,
      returnInfo: _i,
      ...ids
    } = nodeReturn(m, m.nodes[0], '2', '', AT);
    // when
    const { item } = returnForReceipt(listReceipt(), 'E');
    for (const [k, v] of Object.entries(ids)) if (item[k] === '' && v) item[k] = v;
    // then
    expect(item).toMatchObject({
      guid: doc.guid,
      agentCode: AGENT,
      copNo: 'L-SO-1001',
      invtNo: '51412026E000000001',
      ebcCode: SAMPLE_CODES.ebc,
      statisticsFlag: 'B',
    });
  });
});
