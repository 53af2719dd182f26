import { schemaByName } from '@clearance/contracts';
import { AVRO_RECORDS, CEB_MESSAGES, type AvroRecordName } from './catalog.generated';
import { BASE_TRANSFER_PLAN, MESSAGE_PLANS, RETURN_PLANS, type GroupPlan } from './compile';

type Json =
  | string
  | { type?: Json; name?: string; fields?: Array<{ name: string; type: Json }>; items?: Json }
  | Json[];

/** A record's fields as the loaded schemas have them: [name, nullable, Avro type] (decimals are strings there). */
function schemaFields(file: string, record: string): Array<[string, boolean, string]> {
  const find = (t: Json): Array<{ name: string; type: Json }> | undefined => {
    if (Array.isArray(t)) return t.map(find).find(Boolean);
    if (typeof t === 'string') return undefined;
    if ((t.name === record || t.name?.endsWith(`.${record}`)) && t.fields) return t.fields;
    return (t.fields ?? []).map((f) => find(f.type)).find(Boolean) ?? (t.items ? find(t.items) : undefined);
  };
  const fields = find(schemaByName(file).schema as unknown as Json) ?? [];
  return fields.map((f) => {
    const union = Array.isArray(f.type) ? f.type : [f.type];
    const t = union.find((x) => x !== 'null') as { type: string } | string;
    return [f.name, union.includes('null'), typeof t === 'string' ? t : t.type];
  });
}

const plan = (type: string) => {
  const p = MESSAGE_PLANS.get(type);
  if (!p) throw new Error(type);
  return p;
};
const field = (g: GroupPlan, name: string) => g.byElement.get(name);

describe('catalog (generated from the standard field lists)', () => {
  it.each<[AvroRecordName, string]>([
    ['Order', 'Order'],
    ['OrderItem', 'Order'],
    ['Payment', 'Payment'],
    ['Waybill', 'Waybill'],
    ['Departure', 'Departure'],
    ['DepartureListItem', 'Departure'],
    ['FiledList', 'FiledList'],
    ['FiledListItem', 'FiledList'],
  ])('given the Avro record %s, then the generated descriptor matches schemas/*.avsc', (record, file) => {
    const generated = AVRO_RECORDS[record].fields.map((f) => [
      f.name,
      f.nullable,
      f.kind === 'decimal' ? 'string' : f.kind,
    ]);
    expect(generated).toEqual(schemaFields(file, record));
  });

  it('given the supported messages, then each is in the catalog with its data element', () => {
    const nodes = Object.fromEntries(Object.values(CEB_MESSAGES).map((m) => [m.name, m.node.name]));
    expect(nodes).toMatchObject({
      CEB303Message: 'Order',
      CEB311Message: 'Order',
      CEB403Message: 'Receipts',
      CEB411Message: 'Payment',
      CEB505Message: 'Logistics',
      CEB511Message: 'Logistics',
      CEB509Message: 'Departure',
      CEB603Message: 'Inventory',
      CEB621Message: 'Inventory',
      CEB304Message: 'OrderReturn',
      CEB404Message: 'ReceiptsReturn',
      CEB412Message: 'PaymentReturn',
      CEB510Message: 'DepartureReturn',
      CEB604Message: 'InventoryReturn',
      CEB622Message: 'InventoryReturn',
      CEB900Message: 'MessageReturn',
    });
  });

  it('given CEB303, then the field rules are those of the standard', () => {
    const head = CEB_MESSAGES.CEB303Message.node.children[0];
    expect(head.name).toBe('OrderHead');
    expect(head.fields.find((f) => f.name === 'orderNo')).toMatchObject({
      type: 'string',
      maxLength: 60,
      minOccurs: 1,
    });
    expect(head.fields.find((f) => f.name === 'goodsValue')).toMatchObject({
      type: 'decimal',
      totalDigits: 19,
      fractionDigits: 5,
    });
    expect(head.fields.find((f) => f.name === 'note')).toMatchObject({ minOccurs: 0, maxLength: 1000 });
    const list = CEB_MESSAGES.CEB303Message.node.children[1];
    expect([list.name, list.minOccurs, list.maxOccurs]).toEqual(['OrderList', 1, 100]);
    expect(list.fields.find((f) => f.name === 'gnum')).toMatchObject({ type: 'int', totalDigits: 5 });
    expect(CEB_MESSAGES.CEB303Message.envelope.map((e) => [e.name, e.minOccurs, e.maxOccurs])).toEqual([
      ['BaseTransfer', 1, 1],
      ['BaseSubscribe', 0, 5],
      ['ds:Signature', 0, 1],
      ['ExtendMessage', 0, 1],
    ]);
  });

  it('given CEB404 and CEB412, then their return fields are in the standard order', () => {
    expect(RETURN_PLANS.get('CEB404Message')?.fields.map((f) => [f.name, f.required])).toEqual([
      ['guid', true],
      ['ebcCode', true],
      ['orderNo', true],
      ['payNo', false],
      ['returnStatus', true],
      ['returnTime', true],
      ['returnInfo', true],
    ]);
    expect(RETURN_PLANS.get('CEB412Message')?.fields.map((f) => f.name)).toEqual([
      'guid',
      'payCode',
      'payTransactionId',
      'returnStatus',
      'returnTime',
      'returnInfo',
    ]);
  });

  it('given the Departure list, then it is unbounded in the standard', () => {
    expect(plan('CEB509Message').list).toMatchObject({
      minOccurs: 1,
      maxOccurs: Infinity,
      avroField: 'lines',
    });
  });
});

describe('compiled message tables', () => {
  it('given every inbound message, then every Avro field is a standard element, an extension, the list or derived', () => {
    for (const p of MESSAGE_PLANS.values()) {
      const groups: Array<[GroupPlan, AvroRecordName]> = [[p.head, p.spec.head.record]];
      if (p.list && p.spec.list) groups.push([p.list.plan, p.spec.list.record]);
      for (const [g, record] of groups) {
        const filled = new Set(g.fields.map((f) => f.avro));
        const missing = AVRO_RECORDS[record].fields
          .filter((f) => f.kind !== 'array' && !filled.has(f.name) && !(f.name in (p.spec.derived ?? {})))
          .map((f) => f.name);
        expect({ type: p.spec.type, group: g.element, missing }).toEqual({
          type: p.spec.type,
          group: g.element,
          missing: [],
        });
      }
    }
  });

  it('given CEB303 extension fields, then their rules come from CEB603, else the sibling CEB311, else declared', () => {
    const p = plan('CEB303Message');
    expect(field(p.list!.plan, 'gcode')).toMatchObject({
      standard: false,
      required: true,
      length: 10,
      ruleFrom: 'CEB603Message',
    });
    expect(field(p.list!.plan, 'gmodel')).toMatchObject({
      maxLength: 250,
      collapse: true,
      ruleFrom: 'CEB603Message',
    });
    expect(field(p.list!.plan, 'country')).toMatchObject({ required: false, length: 3 });
    expect(field(p.head, 'tradeMode')).toMatchObject({
      required: true,
      length: 4,
      ruleFrom: 'CEB603Message',
    });
    expect(field(p.head, 'buyerName')).toMatchObject({
      required: false,
      maxLength: 60,
      ruleFrom: 'CEB311Message',
    });
    expect(field(p.head, 'summaryFlag')).toMatchObject({ required: false, length: 1, ruleFrom: 'declared' });
    expect(field(p.head, 'buyerIdVerified')).toMatchObject({ conv: 'boolean', ruleFrom: 'declared' });
  });

  it('given CEB505 / CEB511, then the transport fields are extensions and the renamed weight is standard', () => {
    const e = plan('CEB505Message');
    expect(field(e.head, 'portCode')).toMatchObject({ standard: false, required: true, length: 4 });
    expect(field(e.head, 'POD')).toMatchObject({ minLength: 3, maxLength: 4 });
    expect(field(e.head, 'consignee')).toMatchObject({ required: false, ruleFrom: 'CEB511Message' });
    const i = plan('CEB511Message');
    expect(field(i.head, 'weight')).toMatchObject({ standard: true, avro: 'grossWeight', conv: 'decimal' });
    expect(i.head.byElement.has('grossWeight')).toBe(false);
    expect(field(i.head, 'freight')).toMatchObject({ standard: true, required: true }); // 0..1 there, required by Avro
    expect(field(i.head, 'trafName')).toMatchObject({ ruleFrom: 'CEB603Message', maxLength: 100 });
  });

  it('given CEB403, then payCode is required for the engine although the standard says 0..1', () => {
    expect(field(plan('CEB403Message').head, 'payCode')).toMatchObject({
      standard: true,
      required: true,
      maxLength: 18,
    });
    expect(plan('CEB403Message').head.template.ieFlag).toBe('E');
    expect(plan('CEB411Message').head.template.ieFlag).toBe('I');
  });

  it('given CEB603 / CEB621, then the fields one list lacks take the rules of the other list, and ieFlag is fixed by the type', () => {
    const e = plan('CEB603Message');
    expect([e.node, e.head.element, e.list?.plan.element, e.list?.maxOccurs]).toEqual([
      'Inventory',
      'InventoryHead',
      'InventoryList',
      100,
    ]);
    expect(field(e.head, 'ieFlag')).toMatchObject({ standard: true, required: true, fixed: 'E' });
    expect(field(e.head, 'buyerName')).toMatchObject({
      standard: false,
      required: false,
      ruleFrom: 'CEB621Message',
    });
    expect(field(e.list!.plan, 'tradeCountry')).toMatchObject({ standard: false, ruleFrom: 'CEB621Message' });
    expect(field(e.head, 'ebpName')).toMatchObject({ required: true, mayBeEmpty: true });
    expect(field(e.head, 'ebcCode')).toMatchObject({ required: true, mayBeEmpty: false }); // FiledList needs it
    expect(field(e.list!.plan, 'barCode')).toMatchObject({ required: true });
    const i = plan('CEB621Message');
    expect(i.list?.maxOccurs).toBe(99);
    expect(field(i.head, 'ieFlag')).toMatchObject({ fixed: 'I' });
    expect(field(i.head, 'copNo')).toMatchObject({ standard: true, required: true, maxLength: 20 }); // 0..1 there
    expect(field(i.head, 'statisticsFlag')).toMatchObject({
      standard: false,
      length: 1,
      ruleFrom: 'CEB603Message',
    });
    expect(field(i.head, 'ebpName')).toMatchObject({ mayBeEmpty: false, minLength: 1 });
    expect(i.head.template.ieFlag).toBe('I');
  });

  it('given CEB311, then batchNumbers is a standard element the engine does not keep', () => {
    expect(field(plan('CEB311Message').head, 'batchNumbers')).toMatchObject({ avro: null, required: false });
  });

  it('given BaseTransfer, then its five fields', () => {
    expect(BASE_TRANSFER_PLAN.fields.map((f) => [f.element, f.required, f.length ?? f.maxLength])).toEqual([
      ['copCode', true, 18],
      ['copName', true, 100],
      ['dxpMode', true, 3],
      ['dxpId', true, 30],
      ['note', false, 1000],
    ]);
  });
});
