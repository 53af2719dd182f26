import { orderKey, schemaByName } from '@clearance/contracts';
import {
  sampleExportOrder,
  sampleExportPayment,
  sampleExportWaybill,
  sampleGuid,
  sampleImportOrder,
  sampleImportPayment,
  sampleImportWaybill,
  sampleItem,
  validateFiledList,
  validateOrder,
  validatePayment,
  validateWaybill,
} from '@clearance/domain';
import {
  CEB_NAMESPACE,
  parseCebMessage,
  toCebXml,
  type CebMessage,
  type CebNode,
  type FiledDoc,
  type InboundMessageType,
} from './index';
import {
  editXml,
  findAll,
  orderOf,
  sampleBaseTransfer,
  sampleDeparture,
  sampleExportList,
  sampleImportList,
  setLeaf,
} from './test-fixtures';

const okDocs = (m: CebMessage): FiledDoc[] =>
  m.nodes.map((n: CebNode) => {
    if (!n.ok) throw new Error(`node ${n.index} refused: ${JSON.stringify(n.problems)}`);
    return n.filed;
  });

const AVRO_RECORD = {
  ORDER: 'Order',
  PAYMENT: 'Payment',
  WAYBILL: 'Waybill',
  DEPARTURE: 'Departure',
  LIST: 'FiledList',
} as const;

const cases: Array<[InboundMessageType, FiledDoc, 'I' | 'E']> = [
  ['CEB303Message', { kind: 'ORDER', doc: sampleExportOrder() }, 'E'],
  ['CEB311Message', { kind: 'ORDER', doc: sampleImportOrder() }, 'I'],
  ['CEB403Message', { kind: 'PAYMENT', doc: sampleExportPayment() }, 'E'],
  ['CEB411Message', { kind: 'PAYMENT', doc: sampleImportPayment() }, 'I'],
  ['CEB505Message', { kind: 'WAYBILL', doc: sampleExportWaybill() }, 'E'],
  ['CEB511Message', { kind: 'WAYBILL', doc: sampleImportWaybill() }, 'I'],
  ['CEB509Message', { kind: 'DEPARTURE', doc: sampleDeparture() }, 'E'],
  ['CEB603Message', { kind: 'LIST', doc: sampleExportList() }, 'E'],
  ['CEB621Message', { kind: 'LIST', doc: sampleImportList() }, 'I'],
];

describe('round trip: toCebXml -> parseCebMessage', () => {
  it.each(cases)(
    'given a %s document, when written and parsed back, then it is equal and valid Avro',
    (type, filed, ie) => {
      // given
      const xml = toCebXml([filed], sampleBaseTransfer(), { messageGuid: sampleGuid('msg') });
      // when
      const m = parseCebMessage(xml);
      // then
      expect(m.type).toBe(type);
      expect(m.kind).toBe(filed.kind);
      expect(m.ieFlag).toBe(ie);
      expect(m.messageGuid).toBe(sampleGuid('msg'));
      expect(m.baseTransfer).toEqual(sampleBaseTransfer());
      expect(m.signed).toBe(false);
      expect(okDocs(m)).toEqual([filed]);
      expect(m.nodes[0].guid).toBe(filed.doc.guid);
      expect(schemaByName(AVRO_RECORD[filed.kind]).type.isValid(okDocs(m)[0].doc)).toBe(true);
    },
  );

  it('given the standard message types, when written, then the root is the CEB element with the return type matching', () => {
    const returns = cases.map(
      ([, filed]) => parseCebMessage(toCebXml([filed], sampleBaseTransfer())).returnType,
    );
    expect(returns).toEqual([
      'CEB304Message',
      'CEB312Message',
      'CEB404Message',
      'CEB412Message',
      'CEB506Message',
      'CEB512Message',
      'CEB510Message',
      'CEB604Message',
      'CEB622Message',
    ]);
  });

  it('given parsed documents, then they pass the engine validation', () => {
    const parse = (f: FiledDoc): FiledDoc => okDocs(parseCebMessage(toCebXml([f], sampleBaseTransfer())))[0];
    for (const [, filed] of cases) {
      const back = parse(filed);
      if (back.kind === 'ORDER') expect(validateOrder(back.doc, orderKey(back.doc))).toEqual([]);
      if (back.kind === 'PAYMENT') expect(validatePayment(back.doc, orderKey(back.doc))).toEqual([]);
      if (back.kind === 'WAYBILL') expect(validateWaybill(back.doc, orderKey(back.doc))).toEqual([]);
      if (back.kind === 'LIST') expect(validateFiledList(back.doc)).toEqual([]);
    }
  });

  it('given 100 orders, when written and parsed, then every node comes back in document order', () => {
    // given
    const docs: FiledDoc[] = Array.from({ length: 100 }, (_, i) => ({
      kind: 'ORDER',
      doc: sampleExportOrder({ guid: sampleGuid(`o${i}`), orderNo: `SO-${i + 1}` }),
    }));
    // when
    const m = parseCebMessage(toCebXml(docs, sampleBaseTransfer()));
    // then
    expect(m.nodes.map((n) => n.index)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(okDocs(m)).toEqual(docs);
  });

  it('given an order of 100 goods lines, when parsed, then every line comes back', () => {
    const items = Array.from({ length: 100 }, (_, i) => sampleItem({ gnum: i + 1, itemNo: `SKU-${i + 1}` }));
    const filed: FiledDoc = { kind: 'ORDER', doc: sampleExportOrder({ items }) };
    expect(okDocs(parseCebMessage(toCebXml([filed], sampleBaseTransfer())))).toEqual([filed]);
  });

  it('given a mix of kinds or directions, when written, then toCebXml refuses', () => {
    const mixed: FiledDoc[] = [
      { kind: 'ORDER', doc: sampleExportOrder() },
      { kind: 'ORDER', doc: sampleImportOrder() },
    ];
    expect(() => toCebXml(mixed, sampleBaseTransfer())).toThrow(/CEB311Message document in a CEB303Message/);
    expect(() => toCebXml([], sampleBaseTransfer())).toThrow(/no documents/);
  });

  it('given a written CEB303, then head fields follow the standard order and extension fields follow them', () => {
    const xml = toCebXml([{ kind: 'ORDER', doc: sampleExportOrder() }], sampleBaseTransfer());
    const [head] = orderOf(xml, 'ceb:OrderHead');
    expect(head.slice(0, 13)).toEqual(
      [
        'guid',
        'appType',
        'appTime',
        'appStatus',
        'orderType',
        'orderNo',
        'ebpCode',
        'ebpName',
        'ebcCode',
        'ebcName',
        'goodsValue',
        'freight',
        'currency',
      ].map((n) => `ceb:${n}`),
    );
    expect(head.slice(13)).toEqual(
      [
        'payCode',
        'payName',
        'tradeMode',
        'customsCode',
        'ownerCode',
        'ownerName',
        'statisticsFlag',
        'summaryFlag',
      ].map((n) => `ceb:${n}`),
    );
    const [line] = orderOf(xml, 'ceb:OrderList');
    expect(line).toEqual(
      [
        'gnum',
        'itemNo',
        'itemName',
        'unit',
        'currency',
        'qty',
        'price',
        'totalPrice',
        'gcode',
        'gname',
        'gmodel',
        'unit1',
        'qty1',
      ].map((n) => `ceb:${n}`),
    );
  });

  it('given a CEB511, then the gross weight travels as the standard weight element', () => {
    const xml = toCebXml([{ kind: 'WAYBILL', doc: sampleImportWaybill() }], sampleBaseTransfer());
    const [head] = orderOf(xml, 'ceb:LogisticsHead');
    expect(head).toContain('ceb:weight');
    expect(head).not.toContain('ceb:grossWeight');
  });
});

describe('encodings and namespaces', () => {
  const filed: FiledDoc = { kind: 'WAYBILL', doc: sampleExportWaybill() };
  const xml = toCebXml([filed], sampleBaseTransfer());

  it('given UTF-8 bytes with a byte-order mark, when parsed, then the document is read', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml, 'utf8')]);
    expect(okDocs(parseCebMessage(bytes))).toEqual([filed]);
  });

  it('given a string with a byte-order mark, when parsed, then the document is read', () => {
    expect(okDocs(parseCebMessage(`\uFEFF${xml}`))).toEqual([filed]);
  });

  it('given Chinese text and escaped characters, when parsed, then they are decoded', () => {
    const doc = sampleExportWaybill({ goodsInfo: '棉质T恤 & 钱包 <2件>', logisticsName: '样例快递' });
    const m = parseCebMessage(
      Buffer.from(toCebXml([{ kind: 'WAYBILL', doc }], sampleBaseTransfer()), 'utf8'),
    );
    expect(okDocs(m)).toEqual([{ kind: 'WAYBILL', doc }]);
  });

  it('given a ds:Signature, when parsed, then the message is signed and the nodes read', () => {
    const signed = toCebXml([filed], sampleBaseTransfer(), { signature: true });
    const m = parseCebMessage(signed);
    expect(m.signed).toBe(true);
    expect(okDocs(m)).toEqual([filed]);
  });

  it('given a default namespace instead of the ceb: prefix, when parsed, then it is read the same', () => {
    const unprefixed = editXml(xml, (tree) => {
      const rename = (entries: Array<Record<string, unknown>>): void => {
        for (const e of entries) {
          for (const k of Object.keys(e)) {
            if (k.startsWith('ceb:')) {
              e[k.slice(4)] = e[k];
              delete e[k];
              rename(e[k.slice(4)] as Array<Record<string, unknown>>);
            }
          }
          const attrs = e[':@'] as Record<string, string> | undefined;
          if (attrs?.['@_xmlns:ceb']) {
            delete attrs['@_xmlns:ceb'];
            attrs['@_xmlns'] = CEB_NAMESPACE;
          }
        }
      };
      rename(tree);
    });
    expect(unprefixed).toMatch(/<CEB505Message [^>]*xmlns="http:\/\/www\.chinaport\.gov\.cn\/ceb"/);
    expect(unprefixed).not.toContain('ceb:');
    expect(okDocs(parseCebMessage(unprefixed))).toEqual([filed]);
  });

  it('given another prefix bound to the CEB namespace, when parsed, then it is read the same', () => {
    const other = xml.split('ceb:').join('c:').replace('xmlns:ceb=', 'xmlns:c=');
    expect(okDocs(parseCebMessage(other))).toEqual([filed]);
  });

  it('given a BaseSubscribe and an ExtendMessage, when parsed, then they are ignored', () => {
    const extended = editXml(xml, (tree) => {
      const root = findAll(tree, 'ceb:CEB505Message')[0];
      root.push({ 'ceb:BaseSubscribe': [{ 'ceb:status': [{ '#text': '2' }] }] });
      root.push({ 'ceb:ExtendMessage': [{ 'ceb:name': [{ '#text': 'x' }] }] });
    });
    expect(okDocs(parseCebMessage(extended))).toEqual([filed]);
  });

  it('given values with leading zeros and padding, when parsed, then strings are kept and decimals made canonical', () => {
    const edited = editXml(xml, (tree) => {
      const [head] = findAll(tree, 'ceb:Logistics');
      setLeaf(head, 'ceb:logisticsNo', '  00123  ');
      setLeaf(head, 'ceb:grossWeight', '0.8');
      setLeaf(head, 'ceb:freight', '+5');
      setLeaf(head, 'ceb:insuredFee', '-0');
      setLeaf(head, 'ceb:packNo', '01');
      setLeaf(head, 'ceb:note', '');
    });
    const [back] = okDocs(parseCebMessage(edited));
    expect(back.doc).toMatchObject({
      logisticsNo: '00123',
      grossWeight: '0.80000',
      freight: '5.00000',
      insuredFee: '0.00000',
      packNo: 1,
      note: null,
    });
  });

  it('given buyerIdVerified as 1 or 0, when parsed, then it is a boolean', () => {
    const xml311 = toCebXml(
      [{ kind: 'ORDER', doc: sampleImportOrder({ buyerIdVerified: true }) }],
      sampleBaseTransfer(),
    );
    const withOne = editXml(xml311, (tree) =>
      setLeaf(findAll(tree, 'ceb:OrderHead')[0], 'ceb:buyerIdVerified', '1'),
    );
    const withZero = editXml(xml311, (tree) =>
      setLeaf(findAll(tree, 'ceb:OrderHead')[0], 'ceb:buyerIdVerified', '0'),
    );
    expect((okDocs(parseCebMessage(withOne))[0].doc as { buyerIdVerified: boolean }).buyerIdVerified).toBe(
      true,
    );
    expect((okDocs(parseCebMessage(withZero))[0].doc as { buyerIdVerified: boolean }).buyerIdVerified).toBe(
      false,
    );
  });
});

describe('a hand-written CEB303 (the README example)', () => {
  const NODE = `
<ceb:Order>
  <ceb:OrderHead>
    <ceb:guid>909BDA88-F5EE-BE5C-1089-42CE54FE5061</ceb:guid>
    <ceb:appType>1</ceb:appType>
    <ceb:appTime>20261110120000</ceb:appTime>
    <ceb:appStatus>2</ceb:appStatus>
    <ceb:orderType>E</ceb:orderType>
    <ceb:orderNo>SO-1001</ceb:orderNo>
    <ceb:ebpCode>EBP0000001</ceb:ebpCode>
    <ceb:ebpName>Sample Platform</ceb:ebpName>
    <ceb:ebcCode>EBC0000001</ceb:ebcCode>
    <ceb:ebcName>Sample Seller</ceb:ebcName>
    <ceb:goodsValue>64.8</ceb:goodsValue>
    <ceb:freight>5</ceb:freight>
    <ceb:currency>502</ceb:currency>
    <!-- extension fields (Avro Order), rules from CEB603 InventoryHead / CEB311 / declared -->
    <ceb:payCode>PAY0000001</ceb:payCode>
    <ceb:payName>Sample Pay</ceb:payName>
    <ceb:tradeMode>9610</ceb:tradeMode>
    <ceb:customsCode>5141</ceb:customsCode>
    <ceb:ownerCode>EBC0000001</ceb:ownerCode>
    <ceb:ownerName>Sample Seller</ceb:ownerName>
    <ceb:statisticsFlag>B</ceb:statisticsFlag>
    <ceb:summaryFlag>1</ceb:summaryFlag>
  </ceb:OrderHead>
  <ceb:OrderList>
    <ceb:gnum>1</ceb:gnum>
    <ceb:itemNo>SKU-1</ceb:itemNo>
    <ceb:itemName>Cotton T-shirt</ceb:itemName>
    <ceb:unit>011</ceb:unit>
    <ceb:currency>502</ceb:currency>
    <ceb:qty>2</ceb:qty>
    <ceb:price>19.9</ceb:price>
    <ceb:totalPrice>39.8</ceb:totalPrice>
    <!-- extension fields (Avro OrderItem), rules from CEB603 InventoryList -->
    <ceb:gcode>6109100021</ceb:gcode>
    <ceb:gname>T-shirt</ceb:gname>
    <ceb:gmodel>cotton 100%, knitted</ceb:gmodel>
    <ceb:unit1>011</ceb:unit1>
    <ceb:qty1>2</ceb:qty1>
  </ceb:OrderList>
</ceb:Order>`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB303Message xmlns:ceb="${CEB_NAMESPACE}" guid="B7D0C6A2-6E1F-4B55-9A53-2C1D4A6E0F01" version="1.0">${NODE}
  <ceb:BaseTransfer>
    <ceb:copCode>EBP0000001</ceb:copCode>
    <ceb:copName>Sample Platform</ceb:copName>
    <ceb:dxpMode>DXP</ceb:dxpMode>
    <ceb:dxpId>DXPENT0000000001</ceb:dxpId>
  </ceb:BaseTransfer>
</ceb:CEB303Message>`;

  it('given short decimals and extension fields, when parsed, then the canonical export order of the samples', () => {
    const m = parseCebMessage(xml);
    expect(m.messageGuid).toBe('B7D0C6A2-6E1F-4B55-9A53-2C1D4A6E0F01');
    expect(okDocs(m)).toEqual([
      {
        kind: 'ORDER',
        doc: sampleExportOrder({
          guid: '909BDA88-F5EE-BE5C-1089-42CE54FE5061',
          goodsValue: '64.80000',
          items: [sampleItem()],
        }),
      },
    ]);
  });
});
