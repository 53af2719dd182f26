import {
  sampleExportOrder,
  sampleExportPayment,
  sampleGuid,
  sampleImportOrder,
  sampleImportPayment,
} from '@clearance/domain';
import {
  CEB_NAMESPACE,
  CebFormatError,
  parseCebMessage,
  renderFormatError,
  toCebXml,
  type CebFormatCode,
  type CebNode,
  type FieldProblem,
  type FiledDoc,
} from './index';
import { editXml, findAll, readXml, sampleBaseTransfer, setLeaf, type Tree } from './test-fixtures';

const orders = (n: number): FiledDoc[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'ORDER' as const,
    doc: sampleExportOrder({ guid: sampleGuid(`order-${i}`), orderNo: `SO-${i + 1}` }),
  }));
const threeOrders = toCebXml(orders(3), sampleBaseTransfer(), { messageGuid: sampleGuid('transmission') });

function formatError(body: string | Buffer, opts?: { maxNodes?: number }): CebFormatError {
  try {
    parseCebMessage(body, opts);
  } catch (e) {
    if (e instanceof CebFormatError) return e;
    throw e;
  }
  throw new Error('expected a CebFormatError');
}

const problemsOf = (node: CebNode): FieldProblem[] => (node.ok ? [] : node.problems);

/** Edits the second order's head / first line of a three-order message. */
const editSecond = (edit: (head: Tree, firstLine: Tree) => void): string =>
  editXml(threeOrders, (tree) => {
    const heads = findAll(tree, 'ceb:OrderHead');
    const lines = findAll(tree, 'ceb:OrderList');
    edit(heads[1], lines[2]); // each order has two lines: order 2's first line is the third
  });

describe('message-level format errors', () => {
  const cases: Array<[CebFormatCode, string, string | Buffer]> = [
    ['MALFORMED_XML', 'not well-formed (unclosed element)', threeOrders.slice(0, threeOrders.length - 40)],
    ['MALFORMED_XML', 'not XML at all', 'hello, customs'],
    ['MALFORMED_XML', 'empty body', ''],
    [
      'MALFORMED_XML',
      'a DOCTYPE with an entity',
      `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><ceb:CEB303Message xmlns:ceb="${CEB_NAMESPACE}"><ceb:Order>&x;</ceb:Order></ceb:CEB303Message>`,
    ],
    [
      'MALFORMED_XML',
      'an undefined entity reference',
      threeOrders.replace('<ceb:ebpName>', '<ceb:ebpName>&nbsp;'),
    ],
    [
      'WRONG_NAMESPACE',
      'the CEB names with no namespace',
      threeOrders
        .split('ceb:')
        .join('')
        .replace(/ xmlns:ceb="[^"]*"/, ''),
    ],
    [
      'WRONG_NAMESPACE',
      'the ceb prefix bound to another URI',
      threeOrders.replace(CEB_NAMESPACE, 'http://example.com/ceb'),
    ],
    ['UNKNOWN_MESSAGE_TYPE', 'a return message', `<ceb:CEB304Message xmlns:ceb="${CEB_NAMESPACE}"/>`],
    ['UNKNOWN_MESSAGE_TYPE', 'an unknown root', `<ceb:CEB999Message xmlns:ceb="${CEB_NAMESPACE}"/>`],
    [
      'NO_NODES',
      'no Order',
      editXml(threeOrders, (tree) => {
        const root = findAll(tree, 'ceb:CEB303Message')[0];
        for (let i = root.length - 1; i >= 0; i--) if ('ceb:Order' in root[i]) root.splice(i, 1);
      }),
    ],
    [
      'TOO_MANY_NODES',
      '101 orders',
      toCebXml(orders(100), sampleBaseTransfer()).replace(
        '<ceb:Order>',
        '<ceb:Order></ceb:Order><ceb:Order>',
      ),
    ],
    [
      'BAD_BASE_TRANSFER',
      'no BaseTransfer',
      editXml(threeOrders, (tree) => {
        const root = findAll(tree, 'ceb:CEB303Message')[0];
        root.splice(
          root.findIndex((e) => 'ceb:BaseTransfer' in e),
          1,
        );
      }),
    ],
    [
      'BAD_BASE_TRANSFER',
      'a dxpMode of 4 characters',
      toCebXml(orders(1), sampleBaseTransfer({ dxpMode: 'DXPX' })),
    ],
  ];

  it.each(cases)('given %s (%s), when parsed, then CebFormatError with that code', (code, _what, body) => {
    const e = formatError(body);
    expect(e).toBeInstanceOf(CebFormatError);
    expect(e.name).toBe('CebFormatError');
    expect(e.code).toBe(code);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('given a DOCTYPE, then the refusal says so and nothing is expanded', () => {
    const e = formatError(cases[3][2]);
    expect(e.message).toMatch(/DOCTYPE/);
    const noEntities = formatError(
      `<!DOCTYPE ceb:CEB303Message><ceb:CEB303Message xmlns:ceb="${CEB_NAMESPACE}"/>`,
    );
    expect(noEntities.code).toBe('MALFORMED_XML');
    expect(noEntities.message).toMatch(/DOCTYPE/);
  });

  it('given a known message type that fails later, then the error carries the type and the transmission guid', () => {
    const e = formatError(cases.find(([, what]) => what === 'no BaseTransfer')?.[2] ?? '');
    expect(e.messageType).toBe('CEB303Message');
    expect(e.messageGuid).toBe(sampleGuid('transmission'));
    expect(e.message).toMatch(/no BaseTransfer/);
  });

  it('given a lower node limit, when parsed, then more nodes than it is TOO_MANY_NODES', () => {
    expect(formatError(threeOrders, { maxNodes: 2 }).code).toBe('TOO_MANY_NODES');
    expect(parseCebMessage(threeOrders, { maxNodes: 3 }).nodes).toHaveLength(3);
  });

  it('given an element in the message that belongs to another message, then it is refused as malformed', () => {
    const wrong = editXml(threeOrders, (tree) =>
      findAll(tree, 'ceb:CEB303Message')[0].unshift({ 'ceb:Receipts': [] }),
    );
    const e = formatError(wrong);
    expect(e.code).toBe('MALFORMED_XML');
    expect(e.message).toMatch(/unexpected element ceb:Receipts/);
  });
});

describe('CEB900 format-check return', () => {
  it('given a format error, when rendered, then a CEB900Message names the problem with a negative status', () => {
    // given
    const error = formatError(cases()[0]);
    // when
    const xml = renderFormatError(error, Date.UTC(2026, 10, 10, 4, 0, 0, 123));
    // then
    const doc = readXml(xml) as Record<string, Record<string, unknown>>;
    const root = doc['ceb:CEB900Message'];
    expect(root['@_xmlns:ceb']).toBe(CEB_NAMESPACE);
    const r = root['ceb:MessageReturn'] as Record<string, string>;
    expect(r['ceb:returnStatus']).toBe('-6');
    expect(r['ceb:returnInfo']).toMatch(/^BAD_BASE_TRANSFER: /);
    expect(r['ceb:returnTime']).toBe('20261110120000123');
    expect(r['ceb:oriMessageType']).toBe('CEB303Message');
    expect(r['ceb:oriCopMsgId']).toBe(sampleGuid('transmission'));
    expect(r['ceb:oriBizMessage']).toBe('');
    expect(r['ceb:guid']).toMatch(/^[0-9A-F-]{36}$/);
  });

  it('given an unreadable message, then oriMessageType is Unknown and oriCopMsgId empty unless given', () => {
    const error = formatError('<<<');
    const r = (
      readXml(renderFormatError(error, 0)) as Record<string, Record<string, Record<string, string>>>
    )['ceb:CEB900Message']['ceb:MessageReturn'];
    expect(r['ceb:returnStatus']).toBe('-1');
    expect(r['ceb:oriMessageType']).toBe('Unknown');
    expect(r['ceb:oriCopMsgId']).toBe('');
    const withId = (
      readXml(renderFormatError(error, 0, { oriCopMsgId: 'T-1' })) as Record<
        string,
        Record<string, Record<string, string>>
      >
    )['ceb:CEB900Message']['ceb:MessageReturn'];
    expect(withId['ceb:oriCopMsgId']).toBe('T-1');
  });

  function cases(): string[] {
    return [
      editXml(threeOrders, (tree) => {
        const root = findAll(tree, 'ceb:CEB303Message')[0];
        root.splice(
          root.findIndex((e) => 'ceb:BaseTransfer' in e),
          1,
        );
      }),
    ];
  }
});

describe('node-level problems', () => {
  it('given a too-long orderNo in the second order, then that node names the field and the others are ok', () => {
    // given
    const xml = editSecond((head) => setLeaf(head, 'ceb:orderNo', 'X'.repeat(61)));
    // when
    const m = parseCebMessage(xml);
    // then
    expect(m.nodes.map((n) => n.ok)).toEqual([true, false, true]);
    expect(problemsOf(m.nodes[1])).toEqual([
      { field: 'OrderHead.orderNo', message: '61 characters, at most 60 allowed' },
    ]);
    expect(m.nodes[1].guid).toBe(sampleGuid('order-1'));
  });

  it('given a decimal with 6 fraction digits, then the problem names the field', () => {
    const m = parseCebMessage(editSecond((head) => setLeaf(head, 'ceb:goodsValue', '64.800001')));
    expect(problemsOf(m.nodes[1])).toEqual([
      {
        field: 'OrderHead.goodsValue',
        message: '"64.800001" has 6 digits after the point, at most 5 allowed',
      },
    ]);
    expect(m.nodes[0].ok && m.nodes[2].ok).toBe(true);
  });

  it('given trailing zeros beyond 5 places, then the value counts (XSD fractionDigits) and is accepted', () => {
    const m = parseCebMessage(editSecond((head) => setLeaf(head, 'ceb:goodsValue', '64.8000000')));
    expect(m.nodes[1].ok && m.nodes[1].filed.kind === 'ORDER' && m.nodes[1].filed.doc.goodsValue).toBe(
      '64.80000',
    );
  });

  it('given a decimal with 15 integer digits or a non-number, then each is a problem', () => {
    const m = parseCebMessage(
      editSecond((head, line) => {
        setLeaf(head, 'ceb:freight', '123456789012345');
        setLeaf(line, 'ceb:qty', '1e3');
      }),
    );
    expect(problemsOf(m.nodes[1])).toEqual([
      {
        field: 'OrderHead.freight',
        message: '"123456789012345" has 15 digits before the point, at most 14 allowed',
      },
      { field: 'OrderList[1].qty', message: '"1e3" is not a decimal number' },
    ]);
  });

  it('given a missing required standard field, then it is named', () => {
    const m = parseCebMessage(editSecond((head) => setLeaf(head, 'ceb:ebcName', null)));
    expect(problemsOf(m.nodes[1])).toEqual([{ field: 'OrderHead.ebcName', message: 'required, missing' }]);
  });

  it('given an empty required element, then it counts as missing', () => {
    const m = parseCebMessage(editSecond((head) => setLeaf(head, 'ceb:currency', '   ')));
    expect(problemsOf(m.nodes[1])).toEqual([{ field: 'OrderHead.currency', message: 'required, missing' }]);
  });

  it('given a missing extension field (gcode of a line), then it is named with the line', () => {
    const m = parseCebMessage(editSecond((_head, line) => setLeaf(line, 'ceb:gcode', null)));
    expect(problemsOf(m.nodes[1])).toEqual([
      { field: 'OrderList[1].gcode', message: 'required (extension field), missing' },
    ]);
    expect(m.nodes.filter((n) => n.ok)).toHaveLength(2);
  });

  it('given an extension field breaking its CEB603 rule (gcode of 11 characters), then it is named', () => {
    const m = parseCebMessage(editSecond((_head, line) => setLeaf(line, 'ceb:gcode', '61091000211')));
    expect(problemsOf(m.nodes[1])).toEqual([
      { field: 'OrderList[1].gcode', message: '11 characters, exactly 10 required' },
    ]);
  });

  it('given an unknown element, then it is named as unknown', () => {
    const m = parseCebMessage(editSecond((head) => setLeaf(head, 'ceb:discountCode', 'X')));
    expect(problemsOf(m.nodes[1])).toEqual([
      {
        field: 'OrderHead.discountCode',
        message: 'unknown element: neither a OrderHead field of the standard nor an extension field',
      },
    ]);
  });

  it('given a field in another namespace, then it is unknown, naming the namespace', () => {
    const m = parseCebMessage(
      editSecond((head) =>
        head.push({ 'x:tradeMode': [{ '#text': '9610' }], ':@': { '@_xmlns:x': 'urn:other' } }),
      ),
    );
    expect(problemsOf(m.nodes[1])).toEqual([
      {
        field: 'OrderHead.tradeMode',
        message: 'unknown element: it is in the namespace "urn:other", not the CEB namespace',
      },
    ]);
  });

  it('given a repeated field, then it is a problem', () => {
    const m = parseCebMessage(editSecond((head) => head.push({ 'ceb:orderNo': [{ '#text': 'SO-9' }] })));
    expect(problemsOf(m.nodes[1])).toEqual([
      { field: 'OrderHead.orderNo', message: 'repeated, at most once allowed' },
    ]);
  });

  it('given an order without lines or without a head, then the structure is named', () => {
    const noLines = editXml(threeOrders, (tree) => {
      const order = findAll(tree, 'ceb:Order')[1];
      for (let i = order.length - 1; i >= 0; i--) if ('ceb:OrderList' in order[i]) order.splice(i, 1);
    });
    expect(problemsOf(parseCebMessage(noLines).nodes[1])).toEqual([
      { field: 'Order.OrderList', message: '0 present, at least 1 required' },
    ]);
    const noHead = editXml(threeOrders, (tree) => {
      const order = findAll(tree, 'ceb:Order')[1];
      order.splice(
        order.findIndex((e) => 'ceb:OrderHead' in e),
        1,
      );
    });
    const node = parseCebMessage(noHead).nodes[1];
    expect(problemsOf(node)).toEqual([{ field: 'Order.OrderHead', message: 'required, missing' }]);
    expect(node.guid).toBeNull();
  });

  it('given a field holding elements, then it is named once', () => {
    const m = parseCebMessage(
      editSecond((head) => {
        setLeaf(head, 'ceb:ebpName', null);
        head.push({ 'ceb:ebpName': [{ 'ceb:x': [] }] });
      }),
    );
    expect(problemsOf(m.nodes[1])).toEqual([
      { field: 'OrderHead.ebpName', message: 'must be a simple value, not contain elements' },
    ]);
  });

  it('given a line with a non-integer gnum, then the int rule names it', () => {
    const m = parseCebMessage(editSecond((_head, line) => setLeaf(line, 'ceb:gnum', '1.5')));
    expect(problemsOf(m.nodes[1])).toEqual([
      { field: 'OrderList[1].gnum', message: '"1.5" is not a whole number' },
    ]);
  });

  it('given an export payment without payCode (0..1 in the standard), then the engine still requires it', () => {
    const xml = toCebXml([{ kind: 'PAYMENT', doc: sampleExportPayment() }], sampleBaseTransfer());
    const without = editXml(xml, (tree) => setLeaf(findAll(tree, 'ceb:Receipts')[0], 'ceb:payCode', null));
    expect(problemsOf(parseCebMessage(without).nodes[0])).toEqual([
      { field: 'Receipts.payCode', message: 'required, missing' },
    ]);
  });

  it('given an import payment, then ieFlag follows from the message type (not an element)', () => {
    const xml = toCebXml([{ kind: 'PAYMENT', doc: sampleImportPayment() }], sampleBaseTransfer());
    const withFlag = editXml(xml, (tree) => setLeaf(findAll(tree, 'ceb:PaymentHead')[0], 'ceb:ieFlag', 'I'));
    expect(problemsOf(parseCebMessage(withFlag).nodes[0])).toEqual([
      {
        field: 'PaymentHead.ieFlag',
        message: 'unknown element: neither a PaymentHead field of the standard nor an extension field',
      },
    ]);
  });

  it('given an import order lacking the standard buyer fields, then each is named', () => {
    const doc = sampleImportOrder();
    const xml = toCebXml([{ kind: 'ORDER', doc }], sampleBaseTransfer());
    const edited = editXml(xml, (tree) => {
      const head = findAll(tree, 'ceb:OrderHead')[0];
      setLeaf(head, 'ceb:buyerName', null);
      setLeaf(head, 'ceb:consigneeAddress', null);
    });
    expect(problemsOf(parseCebMessage(edited).nodes[0]).map((p) => p.field)).toEqual([
      'OrderHead.buyerName',
      'OrderHead.consigneeAddress',
    ]);
  });
});
