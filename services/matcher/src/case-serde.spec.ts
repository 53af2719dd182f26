import * as D from '@clearance/domain';
import { schemaByName } from '@clearance/contracts';
import { NO_ERRORS, ParcelGenerator } from '@clearance/generator';
import { Type } from 'avsc';
import { caseSerde, heldIsDecoded, rememberSource } from './case-serde';

const T0 = Date.UTC(2026, 10, 1);
const TOPIC = 'matcher.cases.changelog';

/** A generated clean parcel, its case key and a match context. */
function parcelOf(seed: number) {
  const p = new ParcelGenerator({
    seed,
    startTime: T0,
    errors: NO_ERRORS,
    ratePerSecondOfEventTime: 1000,
  }).next();
  const key = `${p.order.ebpCode}:${p.order.orderNo}`;
  return { p, key, ctx: { enterprise: () => undefined, invtSerial: D.invtSerial(0, 1) } };
}

/** The states a case goes through, from the domain itself: one document, two, matched. */
function lifeOfACase(seed: number): D.MatchState[] {
  const { p, key, ctx } = parcelOf(seed);
  const states: D.MatchState[] = [];
  let s: D.MatchState | undefined;
  for (const cmd of [
    { type: 'OrderArrived', caseKey: key, at: T0, order: p.order },
    { type: 'PaymentArrived', caseKey: key, at: T0 + 1, payment: p.payment },
    { type: 'WaybillArrived', caseKey: key, at: T0 + 2, waybill: p.waybill },
  ] as D.MatchCommand[]) {
    s = D.handleMatch(s, cmd, ctx).state;
    if (s) states.push(s);
  }
  return states;
}

describe('cases store codec', () => {
  const serde = caseSerde();

  it('reads back every state of a case as it was written', () => {
    for (const state of lifeOfACase(7)) {
      const bytes = serde.serialize(TOPIC, state) as Buffer;
      expect(JSON.parse(JSON.stringify(serde.deserialize(TOPIC, bytes)))).toEqual(
        JSON.parse(JSON.stringify(state)),
      );
    }
  });

  it('holds an open case in well under the bytes of its JSON (documents as Avro)', () => {
    const open = lifeOfACase(8).find((s) => 'order' in s && s.order && s.payment)!;
    const bytes = serde.serialize(TOPIC, open) as Buffer;
    expect(bytes.length).toBeLessThan(Buffer.byteLength(JSON.stringify(open)) * 0.6);
  });

  it('reads values written as plain JSON before this codec', () => {
    const [first] = lifeOfACase(9);
    const legacy = Buffer.from(JSON.stringify(first));
    expect(serde.deserialize(TOPIC, legacy)).toEqual(first);
  });

  it('writes the same bytes for a case read back and written again', () => {
    const [, second] = lifeOfACase(10);
    const bytes = serde.serialize(TOPIC, second) as Buffer;
    const again = serde.serialize(TOPIC, serde.deserialize(TOPIC, bytes) as D.MatchState) as Buffer;
    expect(again.equals(bytes)).toBe(true);
  });

  it('decodes a held document only when it is read, and writes its bytes back unchanged until then', () => {
    const [, second] = lifeOfACase(11); // order and payment held
    const bytes = serde.serialize(TOPIC, second) as Buffer;
    const read = serde.deserialize(TOPIC, bytes) as D.OpenCase;
    const orderSlot = read.order!;
    expect(heldIsDecoded(orderSlot)).toBe(false);
    expect((serde.serialize(TOPIC, read) as Buffer).equals(bytes)).toBe(true); // written back: still not decoded
    expect(heldIsDecoded(orderSlot)).toBe(false);
    expect(orderSlot.doc.orderNo).toBe((second as D.OpenCase).order!.doc.orderNo); // first read decodes
    expect(heldIsDecoded(orderSlot)).toBe(true);
    expect(JSON.parse(JSON.stringify(orderSlot)).doc.orderNo).toBe(orderSlot.doc.orderNo);
    expect(orderSlot.doc).toBe(orderSlot.doc); // once
    expect((serde.serialize(TOPIC, read) as Buffer).equals(bytes)).toBe(true);
  });

  it('refuses a value whose documents are cut short', () => {
    const [, second] = lifeOfACase(12);
    const bytes = serde.serialize(TOPIC, second) as Buffer;
    expect(() => serde.deserialize(TOPIC, bytes.subarray(0, bytes.length - 10))).toThrow(/cut short/);
  });

  const roundTrip = (state: D.MatchState) =>
    JSON.parse(JSON.stringify(serde.deserialize(TOPIC, serde.serialize(TOPIC, state) as Buffer)));

  it('keeps every field of rejected, failed and withdrawn cases, and guids or hashes not in canonical form as written', () => {
    const [first, second] = lifeOfACase(13) as [D.OpenCase, D.OpenCase];
    const reasons = [
      { code: 'AMOUNT_MISMATCH', message: '支付金额与订单不符 (12.50 ≠ 13.00)' },
      { code: '-301', message: 'x' },
    ];
    const states: D.MatchState[] = [
      { ...second, status: 'REJECTED', reasons, seen: [...second.seen, 'lower-case-guid-1', 'ab'] },
      { ...first, firstDocumentTime: null, order: { ...first.order!, idHash: 'not-a-hash' } },
      {
        status: 'FAILED',
        caseKey: first.caseKey,
        closedAt: T0 + 5,
        invtNo: null,
        reasons,
        seen: ['3F7FF2F1-47E5-8AC6-DEEF-9B32E264037F'],
      },
      { status: 'WITHDRAWN', caseKey: first.caseKey, closedAt: T0 + 6, invtNo: null, reasons: [], seen: [] },
      {
        status: 'MATCHED',
        caseKey: first.caseKey,
        closedAt: T0 + 7,
        invtNo: '51002026E0000000017',
        reasons: [],
        seen: ['3f7ff2f1-47e5-8ac6-deef-9b32e264037f'],
      },
    ];
    for (const state of states) expect(roundTrip(state)).toEqual(JSON.parse(JSON.stringify(state)));
  });

  it('holds a closed case in well under the bytes of its JSON', () => {
    const states = lifeOfACase(14) as D.OpenCase[];
    const last = states[states.length - 1];
    const closed: D.ClosedCase = {
      status: 'MATCHED',
      caseKey: last.caseKey,
      closedAt: T0 + 3,
      invtNo: '51002026E0000000017',
      reasons: [],
      seen: [last.order!.doc.guid, last.payment!.doc.guid, last.waybill!.doc.guid],
    };
    expect(roundTrip(closed)).toEqual(closed);
    const bytes = serde.serialize(TOPIC, closed) as Buffer;
    expect(bytes.length).toBeLessThan(Buffer.byteLength(JSON.stringify(closed)) * 0.7);
  });

  it('refuses to write a state with a field it does not know (it would be lost)', () => {
    const [first] = lifeOfACase(15);
    expect(() => serde.serialize(TOPIC, { ...first, extra: 1 } as unknown as D.MatchState)).toThrow(
      /does not know: .*extra/,
    );
  });

  it('reads values of the previous version (JSON header, held documents as Avro)', () => {
    const [, second] = lifeOfACase(16) as [D.OpenCase, D.OpenCase];
    const header = JSON.stringify({
      ...second,
      order: { at: second.order!.at, idHash: second.order!.idHash },
      payment: { at: second.payment!.at, idHash: second.payment!.idHash },
      waybill: null,
    });
    const body = (type: string, doc: object) => {
      const b = schemaByName(type).type.toBuffer(doc);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Buffer.byteLength(header));
    const legacy = Buffer.concat([
      Buffer.from([0x01]),
      len,
      Buffer.from(header),
      body('Order', second.order!.doc),
      body('Payment', second.payment!.doc),
      Buffer.alloc(4),
    ]);
    expect(JSON.parse(JSON.stringify(serde.deserialize(TOPIC, legacy)))).toEqual(
      JSON.parse(JSON.stringify(second)),
    );
  });
});

describe('cases store codec: the filed list (four-document mode, format 0x04)', () => {
  const serde = caseSerde();
  const FOUR: D.MatchContext = {
    enterprise: (code) =>
      code === D.SAMPLE_CODES.ebp
        ? D.sampleEnterprise(code, ['EBP'], { listMode: 'FOUR_DOCUMENT' })
        : D.sampleEnterprises().find((e) => e.code === code),
    invtSerial: D.invtSerial(0, 1),
  };
  const key = `${D.SAMPLE_CODES.ebp}:SO-1001`;
  const withList = (): D.OpenCase => {
    let s: D.MatchState | undefined;
    for (const cmd of [
      { type: 'OrderArrived', caseKey: key, at: T0, order: D.sampleImportOrder({ orderNo: 'SO-1001' }) },
      {
        type: 'ListArrived',
        caseKey: key,
        at: T0 + 1,
        list: D.sampleImportFiledList(undefined, { orderNo: 'SO-1001' }),
      },
    ] as D.MatchCommand[])
      s = D.handleMatch(s, cmd, FOUR).state;
    return s as D.OpenCase;
  };

  it('writes every open case as 0x04 and reads the list slot back (id number only as its hash)', () => {
    const s = withList();
    expect(s.list).toBeTruthy();
    const bytes = serde.serialize(TOPIC, s) as Buffer;
    expect(bytes[0]).toBe(0x04);
    const back = serde.deserialize(TOPIC, bytes) as D.OpenCase;
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(s)));
    expect(back.list!.idHash).toBe(s.list!.idHash);
    expect(back.list!.doc.buyerIdNumber).toBeNull();
    expect(serde.serialize(TOPIC, back)).toEqual(bytes);
    const [first] = lifeOfACase(21);
    const plain = serde.serialize(TOPIC, first) as Buffer;
    expect(plain[0]).toBe(0x04);
    expect(serde.deserialize(TOPIC, plain)).not.toHaveProperty('list');
  });

  it('reads an 0x02 value (three slots): no list', () => {
    const [, second] = lifeOfACase(22) as [D.OpenCase, D.OpenCase];
    const slot = {
      type: 'record',
      name: 'Slot',
      fields: [
        { name: 'at', type: 'long' },
        { name: 'idHash', type: ['null', { type: 'fixed', name: 'Sha256', size: 32 }, 'string'] },
      ],
    };
    const v2 = Type.forSchema({
      type: 'record',
      name: 'OpenHeader',
      namespace: 'clearance.matcher.cases',
      fields: [
        { name: 'status', type: { type: 'enum', name: 'OpenStatus', symbols: ['OPEN', 'REJECTED'] } },
        { name: 'caseKey', type: 'string' },
        { name: 'openedAt', type: 'long' },
        { name: 'firstDocumentTime', type: ['null', 'long'] },
        { name: 'order', type: ['null', slot] },
        { name: 'payment', type: ['null', 'clearance.matcher.cases.Slot'] },
        { name: 'waybill', type: ['null', 'clearance.matcher.cases.Slot'] },
        {
          name: 'reasons',
          type: {
            type: 'array',
            items: {
              type: 'record',
              name: 'Reason',
              fields: [
                { name: 'code', type: 'string' },
                { name: 'message', type: 'string' },
              ],
            },
          },
        },
        {
          name: 'seen',
          type: { type: 'array', items: [{ type: 'fixed', name: 'Guid', size: 16 }, 'string'] },
        },
      ],
    } as never);
    const meta = (h: { at: number; idHash: string | null } | null) => h && { at: h.at, idHash: h.idHash };
    const header = v2.toBuffer({
      ...second,
      order: meta(second.order),
      payment: meta(second.payment),
      waybill: null,
    });
    const body = (type: string, doc: object) => {
      const b = schemaByName(type).type.toBuffer(doc);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const old = Buffer.concat([
      Buffer.from([0x02]),
      header,
      body('Order', second.order!.doc),
      body('Payment', second.payment!.doc),
      Buffer.alloc(4),
    ]);
    const back = serde.deserialize(TOPIC, old) as D.OpenCase;
    expect(back).not.toHaveProperty('list');
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(second)));
    expect((serde.serialize(TOPIC, back) as Buffer)[0]).toBe(0x04);
  });
});

describe('held documents written from their input bytes', () => {
  const serde = caseSerde();
  const types = ['Order', 'Payment', 'Waybill'].map((n) => schemaByName(n).type);

  /** The case after order, payment and waybill each arrived alone (three cases), inputs remembered. */
  function heldAlone(seed: number, remember: boolean): D.MatchState[] {
    const { p, key, ctx } = parcelOf(seed);
    const decoded = [p.order, p.payment, p.waybill].map((doc, i) => {
      const body = types[i].toBuffer(doc);
      const copy = types[i].fromBuffer(body) as object;
      if (remember) rememberSource(copy, body);
      return copy;
    });
    return [
      { type: 'OrderArrived', caseKey: key, at: T0, order: decoded[0] },
      { type: 'PaymentArrived', caseKey: key, at: T0, payment: decoded[1] },
      { type: 'WaybillArrived', caseKey: key, at: T0, waybill: decoded[2] },
    ].map((cmd) => D.handleMatch(undefined, cmd as D.MatchCommand, ctx).state!);
  }

  it('given documents decoded with their bytes remembered, when held, then the case bytes equal an encode of the held form, without encoding', () => {
    // avsc's types are frozen: count encodes on the prototype all of them share. Seeds 1-20 hold
    // 4 imports whose order and payment carry an id number (cut out of the input bytes) and 16 without
    const toBuffer = jest.spyOn(Type.prototype, 'toBuffer');
    try {
      for (let seed = 1; seed <= 20; seed++) {
        const rememberedStates = heldAlone(seed, true);
        const plainStates = heldAlone(seed, false);
        toBuffer.mockClear();
        const remembered = rememberedStates.map((s) => serde.serialize(TOPIC, s) as Buffer);
        expect(toBuffer).not.toHaveBeenCalled();
        const encoded = plainStates.map((s) => serde.serialize(TOPIC, s) as Buffer);
        expect(toBuffer).toHaveBeenCalledTimes(3);
        for (let i = 0; i < 3; i++) expect(remembered[i].equals(encoded[i])).toBe(true);
      }
    } finally {
      toBuffer.mockRestore();
    }
  });

  it('given a held form that differs in more than the id number, then it is encoded, not taken from the input', () => {
    const [order] = heldAlone(3, true) as D.OpenCase[];
    const changed = {
      ...order,
      order: { ...order.order!, doc: { ...order.order!.doc, buyerName: 'someone else' } },
    };
    const bytes = serde.serialize(TOPIC, changed) as Buffer;
    const back = serde.deserialize(TOPIC, bytes) as D.OpenCase;
    expect(back.order!.doc.buyerName).toBe('someone else');
    expect(back.order!.doc.buyerIdNumber).toBeNull();
  });
});
