import * as D from '@clearance/domain';
import { NO_ERRORS, ParcelGenerator } from '@clearance/generator';
import { caseSerde } from './case-serde';

const T0 = Date.UTC(2026, 10, 1);
const TOPIC = 'matcher.cases.changelog';

/** The states a case goes through, from the domain itself: one document, two, matched. */
function lifeOfACase(seed: number): D.MatchState[] {
  const p = new ParcelGenerator({
    seed,
    startTime: T0,
    errors: NO_ERRORS,
    ratePerSecondOfEventTime: 1000,
  }).next();
  const key = `${p.order.ebpCode}:${p.order.orderNo}`;
  const ctx = { enterprise: () => undefined, invtSerial: D.invtSerial(0, 1) };
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
    expect(Object.getOwnPropertyDescriptor(orderSlot, 'doc')?.get).toBeDefined(); // not decoded yet
    expect((serde.serialize(TOPIC, read) as Buffer).equals(bytes)).toBe(true); // written back: still not decoded
    expect(Object.getOwnPropertyDescriptor(orderSlot, 'doc')?.get).toBeDefined();
    expect(orderSlot.doc.orderNo).toBe((second as D.OpenCase).order!.doc.orderNo); // first read decodes
    expect(Object.getOwnPropertyDescriptor(orderSlot, 'doc')).toMatchObject({
      enumerable: true,
      writable: true,
    });
    expect(orderSlot.doc).toBe(orderSlot.doc); // once
    expect((serde.serialize(TOPIC, read) as Buffer).equals(bytes)).toBe(true);
  });

  it('refuses a value whose documents are cut short', () => {
    const [, second] = lifeOfACase(12);
    const bytes = serde.serialize(TOPIC, second) as Buffer;
    expect(() => serde.deserialize(TOPIC, bytes.subarray(0, bytes.length - 10))).toThrow(/cut short/);
  });
});
