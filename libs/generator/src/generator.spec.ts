import {
  orderKey,
  schemaByName,
  sha256Hex,
  Topics,
  type FiledList,
  type Order,
  type Payment,
  type Waybill,
} from '@clearance/contracts';
import { CNY, COUNTRIES, CURRENCIES, CUSTOMS, TRAF_MODES, UNITS } from './codes';
import { inEventTimeOrder } from './event-order';
import { chinaDate8, chinaPeriod, chinaTime14, chinaWallToMs } from './format';
import { MAX_LEAD_MS, NO_ERRORS, ParcelGenerator, REALISTIC_ERRORS } from './generator';
import { GUID_PATTERN, isResidentId } from './ids';
import { ALL_MATCH_REASONS } from './reason-codes';
import {
  fourDocumentPlatforms,
  loadGeneratorCatalog,
  loadReferenceData,
  referenceRecords,
} from './reference';
import type { AnySend, ErrorRates, GeneratedParcel, GeneratorOptions, Scenario } from './types';

/**
 * An oracle written from DOMAIN.md alone: it replays each parcel's sends through the three-document
 * match (validation, duplicates, change, delete, checks; four-document parcels: the filed list as
 * a fourth document compared with the three) and evaluates the risk rules, and must reach exactly
 * the outcome the generator announced.
 */
const cat = loadGeneratorCatalog({ fourDocument: true });
const enterprises = new Map(cat.enterprises.map((e) => [e.code, e]));
const commodities = new Map(cat.commodities.map((c) => [c.gcode, c]));
const rates = new Map(cat.exchangeRates.map((r) => [`${r.currency}:${r.period}`, Number(r.cnyPerUnit)]));
const START = chinaWallToMs(2026, 11, 2, 8, 30);

/** CEB decimal as bigint scaled 10^5; throws on anything else. */
const SCALE = 100000n;
function dec(text: string | null): bigint {
  const m = /^(\d+)(?:\.(\d{1,5}))?$/.exec(text ?? '0');
  if (!m) throw new Error(`bad decimal ${text}`);
  return BigInt(m[1]) * SCALE + BigInt((m[2] ?? '').padEnd(5, '0'));
}
const isDec = (t: string | null | undefined, optional = false): boolean =>
  t === null || t === undefined ? optional : /^\d+(\.\d{1,5})?$/.test(t);
const mul = (a: bigint, b: bigint): bigint => (a * b) / SCALE;

function validate(s: AnySend): 'INVALID_DOCUMENT' | 'KEY_MISMATCH' | null {
  const v = s.value;
  if (!/^[0-9A-Z-]{36}$/.test(v.guid)) return 'INVALID_DOCUMENT';
  let ok: boolean;
  if (s.doc === 'LIST') {
    const l = s.value;
    ok =
      [l.freight, l.insuredFee, l.grossWeight, l.netWeight].every((d) => isDec(d)) &&
      l.items.every((it) => isDec(it.qty) && isDec(it.qty1) && isDec(it.price) && isDec(it.totalPrice));
  } else if (s.doc === 'ORDER') {
    const o = s.value;
    ok =
      isDec(o.goodsValue) &&
      isDec(o.freight) &&
      isDec(o.discount, true) &&
      isDec(o.taxTotal, true) &&
      isDec(o.acturalPaid, true) &&
      o.items.every((it) => isDec(it.qty) && isDec(it.qty1) && isDec(it.price) && isDec(it.totalPrice));
  } else if (s.doc === 'PAYMENT') {
    ok = isDec(s.value.charge, true) && isDec(s.value.amountPaid, true);
  } else {
    ok =
      isDec(s.value.grossWeight) &&
      isDec(s.value.netWeight, true) &&
      isDec(s.value.freight) &&
      isDec(s.value.insuredFee);
  }
  if (!ok) return 'INVALID_DOCUMENT';
  return orderKey(v) === s.key ? null : 'KEY_MISMATCH';
}

function onFileAs(code: string | null, role: string): boolean {
  if (code === null) return true;
  const e = enterprises.get(code);
  return !!e && e.onFile && (e.roles.includes(role) || (role === 'OWNER' && e.roles.includes('EBC')));
}

/** The match checks of DOMAIN.md "Three-document match" (plus: simplified declaration only where allowed). */
function matchChecks(o: Order, p: Payment, w: Waybill): string[] {
  const out = new Set<string>();
  const ie = o.orderType === 'I' ? 'I' : 'E';
  if (p.ieFlag !== ie || w.ieFlag !== ie) out.add('IE_FLAG_MISMATCH');
  if (ie === 'E' && (p.ebcCode !== o.ebcCode || (w.ebcCode !== null && w.ebcCode !== o.ebcCode)))
    out.add('EBC_MISMATCH');
  if (o.payCode !== p.payCode) out.add('PAYMENT_REF_MISMATCH');
  if (
    p.currency !== o.currency ||
    o.items.some((it) => it.currency !== o.currency) ||
    (ie === 'I' && (o.currency !== CNY || w.currency !== CNY))
  ) {
    out.add('CURRENCY_MISMATCH');
  }
  const goods = dec(o.goodsValue);
  const freight = dec(o.freight);
  if (ie === 'E') {
    if (dec(p.charge) !== goods + freight) out.add('AMOUNT_MISMATCH');
  } else {
    const paid = dec(o.acturalPaid);
    if (paid !== goods + freight + dec(o.taxTotal) - dec(o.discount) || dec(p.amountPaid) !== paid)
      out.add('AMOUNT_MISMATCH');
  }
  if (o.items.some((it) => mul(dec(it.qty), dec(it.price)) !== dec(it.totalPrice)))
    out.add('ITEM_TOTAL_MISMATCH');
  if (o.items.reduce((s, it) => s + dec(it.totalPrice), 0n) !== goods) out.add('GOODS_VALUE_MISMATCH');
  if (ie === 'I') {
    if (
      w.consignee !== o.consignee ||
      w.consigneeTelephone !== o.consigneeTelephone ||
      w.consigneeAddress !== o.consigneeAddress
    ) {
      out.add('CONSIGNEE_MISMATCH');
    }
    if (
      o.buyerIdVerified !== true &&
      (p.payerIdNumber !== o.buyerIdNumber || p.payerName !== o.buyerName || p.payerIdType !== o.buyerIdType)
    ) {
      out.add('BUYER_PAYER_MISMATCH');
    }
  }
  const gross = dec(w.grossWeight);
  let minNet = 0n;
  let maxGross = 0n;
  for (const it of o.items) {
    const c = commodities.get(it.gcode)!;
    minNet += mul(dec(it.qty), dec(c.minKgPerUnit));
    maxGross += mul(dec(it.qty), dec(c.maxKgPerUnit));
  }
  if (
    gross <= 0n ||
    (w.netWeight !== null && dec(w.netWeight) > gross) ||
    gross * 10n < minNet ||
    gross > maxGross * 10n
  )
    out.add('WEIGHT_INVALID');
  const named: Array<[string | null, string]> = [
    [o.ebpCode, 'EBP'],
    [o.ebcCode, 'EBC'],
    [o.ownerCode, 'OWNER'],
    [o.agentCode, 'AGENT'],
    [p.payCode, 'PAYER'],
    [w.logisticsCode, 'CARRIER'],
  ];
  for (const [code, role] of named) {
    if (!onFileAs(code, role)) out.add('ENTERPRISE_NOT_ON_FILE');
    else if (code && ['EBP', 'PAYER', 'CARRIER'].includes(role) && enterprises.get(code)!.creditGrade === 'D')
      out.add('ENTERPRISE_GRADE_D');
  }
  if (o.statisticsFlag === 'A') {
    const eligible =
      !o.licenseNo &&
      o.items.every((it) => {
        const c = commodities.get(it.gcode)!;
        return c.control === 'NONE' && !c.exportDuty && (c.rebateRate === null || Number(c.rebateRate) === 0);
      });
    if (!eligible) out.add('SIMPLIFIED_NOT_ALLOWED');
  }
  return [...out].sort();
}

/**
 * Four-document mode (DOMAIN.md "Four-document mode"): the filed list against the list the engine
 * compiles from the documents, field by field — enterprise codes, trade mode, customs / port codes,
 * country, transport, each item (gcode, qty, unit, price, totalPrice, currency), totals, weights,
 * and for imports buyer and consignee.
 */
function listChecks(l: FiledList, o: Order, w: Waybill): string[] {
  const out = new Set<string>();
  const ie = o.orderType === 'I' ? 'I' : 'E';
  const both = (a: string | null, b: string | null) => a === null || b === null || a === b;
  if (l.logisticsCode !== w.logisticsCode || l.logisticsNo !== w.logisticsNo)
    out.add('LIST_WAYBILL_MISMATCH');
  if (l.orderNo !== o.orderNo) out.add('LIST_ORDER_MISMATCH');
  if (
    l.ebpCode !== o.ebpCode ||
    l.ebcCode !== o.ebcCode ||
    (l.ownerCode !== null && l.ownerCode !== o.ownerCode) ||
    (o.agentCode !== null && l.agentCode !== o.agentCode)
  )
    out.add('LIST_ENTERPRISE_MISMATCH');
  if (
    l.ieFlag !== ie ||
    l.tradeMode !== o.tradeMode ||
    l.customsCode !== o.customsCode ||
    l.portCode !== w.portCode ||
    l.country !== w.country ||
    (l.statisticsFlag !== null && l.statisticsFlag !== (o.statisticsFlag ?? 'B'))
  )
    out.add('LIST_DECLARATION_MISMATCH');
  if (
    l.trafMode !== w.trafMode ||
    !both(l.voyageNo, w.voyageNo) ||
    !both(l.billNo, w.billNo) ||
    !both(l.POD, w.POD)
  )
    out.add('LIST_TRANSPORT_MISMATCH');
  const compiled = new Map(o.items.map((it) => [it.gnum, it]));
  if (l.items.length !== o.items.length) out.add('LIST_ITEM_MISMATCH');
  for (const f of l.items) {
    const c = compiled.get(f.gnum);
    if (
      !c ||
      f.gcode !== c.gcode ||
      dec(f.qty) !== dec(c.qty) ||
      f.unit !== c.unit ||
      dec(f.price) !== dec(c.price) ||
      dec(f.totalPrice) !== dec(c.totalPrice) ||
      f.currency !== c.currency
    )
      out.add('LIST_ITEM_MISMATCH');
  }
  if (
    l.items.reduce((sum, it) => sum + dec(it.totalPrice), 0n) !== dec(o.goodsValue) ||
    dec(l.freight) !== dec(o.freight) ||
    dec(l.insuredFee) !== dec(w.insuredFee) ||
    !both(l.currency, o.currency) ||
    !both(l.fCurrency, o.currency) ||
    !both(l.iCurrency, w.currency)
  )
    out.add('LIST_TOTAL_MISMATCH');
  if (
    dec(l.grossWeight) !== dec(w.grossWeight) ||
    dec(l.netWeight) !== dec(w.netWeight ?? w.grossWeight) ||
    l.packNo !== w.packNo
  )
    out.add('LIST_WEIGHT_MISMATCH');
  if (ie === 'I') {
    if (
      l.buyerIdType !== o.buyerIdType ||
      l.buyerName !== o.buyerName ||
      l.buyerIdNumber !== o.buyerIdNumber ||
      l.buyerTelephone !== o.buyerTelephone
    )
      out.add('LIST_BUYER_MISMATCH');
    if (l.consigneeAddress !== w.consigneeAddress) out.add('LIST_CONSIGNEE_MISMATCH');
  }
  return [...out].sort();
}

const SEVERITY = ['RELEASE', 'INSPECT', 'HOLD', 'REJECT'];

/** Risk rules (DOMAIN.md "Risk screening", rule-set parameters), without sampling. */
function riskRules(p: GeneratedParcel): { outcome: string; rules: string[] } {
  const { order: o, payment: pay, waybill: w } = p;
  const fired = new Map<string, string>();
  const fire = (kind: string, outcome: string) => {
    const prev = fired.get(kind);
    if (!prev || SEVERITY.indexOf(outcome) > SEVERITY.indexOf(prev)) fired.set(kind, outcome);
  };
  const period = chinaPeriod(p.startedAt);
  const rate = o.currency === CNY ? 1 : rates.get(`${o.currency}:${period}`)!;
  let minNet = 0;
  let maxGross = 0;
  for (const it of o.items) {
    const c = commodities.get(it.gcode)!;
    if (c.control === 'PROHIBITED') fire('NEGATIVE_LIST_PROHIBITED', 'REJECT');
    if (c.control === 'RESTRICTED' && !o.licenseNo) fire('NEGATIVE_LIST_RESTRICTED', 'INSPECT');
    if (c.referencePrice !== null && Number(it.price) * rate < Number(c.referencePrice) * 0.3)
      fire('PRICE_ANOMALY', 'INSPECT');
    minNet += Number(it.qty) * Number(c.minKgPerUnit);
    maxGross += Number(it.qty) * Number(c.maxKgPerUnit);
  }
  const gross = Number(w.grossWeight);
  if (gross < minNet * 0.8 || gross > maxGross * 1.2) fire('WEIGHT_ANOMALY', 'INSPECT');
  for (const code of [o.ebpCode, o.ebcCode, o.ownerCode, o.agentCode, pay.payCode, w.logisticsCode]) {
    const e = code ? enterprises.get(code) : undefined;
    if (e?.creditGrade === 'D') fire('ENTERPRISE_GRADE_D', 'INSPECT');
  }
  for (const entry of cat.watchlist.filter((x) => x.active)) {
    const hit =
      (entry.subjectType === 'ENTERPRISE' &&
        [o.ebpCode, o.ebcCode, o.ownerCode, pay.payCode, w.logisticsCode].includes(entry.subject)) ||
      (entry.subjectType === 'BUYER' &&
        o.buyerIdNumber !== null &&
        sha256Hex(o.buyerIdNumber) === entry.subject) ||
      (entry.subjectType === 'CONSIGNEE' && o.consignee !== null && sha256Hex(o.consignee) === entry.subject);
    if (hit) fire('WATCHLIST', entry.action);
  }
  if (o.orderType === 'I' && Number(o.goodsValue) > 5000) fire('IMPORT_SINGLE_LIMIT', 'REJECT');
  const outcome = [...fired.values()].reduce(
    (a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a),
    'RELEASE',
  );
  return { outcome, rules: [...fired.keys()].sort() };
}

/** Every send of a parcel, the filed list's included, in timestamp order. */
const allSends = (p: GeneratedParcel): AnySend[] =>
  [...p.sends, ...(p.listSends ?? [])].sort((a, b) => a.timestamp - b.timestamp);

/** Replays the sends of a parcel and checks each expectation; returns the final state. */
function reconcile(p: GeneratedParcel): void {
  const four = p.list !== undefined;
  const held: Partial<{ ORDER: Order; PAYMENT: Payment; WAYBILL: Waybill; LIST: FiledList }> = {};
  const seen = new Set<string>();
  let status: 'OPEN' | 'REJECTED' | 'MATCHED' | 'WITHDRAWN' = 'OPEN';
  let reasons: string[] = [];
  const interim: string[] = [];
  let decidedAt: number | null = null;
  let firstAccepted: number | null = null;
  for (const s of allSends(p)) {
    let outcome: string;
    let reject: string | null = null;
    if (s.garbage) outcome = 'DEAD_LETTER';
    else if (seen.has(s.value.guid)) outcome = 'IGNORED';
    else {
      seen.add(s.value.guid);
      const problem = validate(s);
      if (problem) [outcome, reject] = ['REJECTED', problem];
      else if (status === 'MATCHED') [outcome, reject] = ['REJECTED', 'ALREADY_DECIDED'];
      else if (status === 'WITHDRAWN')
        throw new Error(`parcel ${p.seq}: a document after the withdrawal would reopen the case`);
      else if (s.value.appType === '3') {
        if (!held[s.doc]) throw new Error(`parcel ${p.seq}: delete of a ${s.doc} never held`);
        outcome = 'APPLIED';
        status = 'WITHDRAWN';
      } else if (s.value.appType === '1' && held[s.doc])
        throw new Error(`parcel ${p.seq}: second new ${s.doc} with another guid`);
      else {
        outcome = 'APPLIED';
        (held as Record<string, unknown>)[s.doc] = s.value;
        firstAccepted ??= s.timestamp;
        if (held.ORDER && held.PAYMENT && held.WAYBILL && (!four || held.LIST)) {
          const r = [
            ...matchChecks(held.ORDER, held.PAYMENT, held.WAYBILL),
            ...(held.LIST ? listChecks(held.LIST, held.ORDER, held.WAYBILL) : []),
          ].sort();
          if (r.length > 0) {
            if (status === 'REJECTED') interim.push(...reasons);
            status = 'REJECTED';
            reasons = r;
          } else {
            if (status === 'REJECTED') interim.push(...reasons);
            status = 'MATCHED';
            reasons = [];
          }
          decidedAt = s.timestamp;
        }
      }
    }
    expect({ seq: p.seq, role: s.role, outcome, reject }).toEqual({
      seq: p.seq,
      role: s.role,
      outcome: s.expect,
      reject: s.rejectReason,
    });
  }
  const e = p.expected;
  const open = status === 'OPEN';
  expect({
    seq: p.seq,
    scenario: p.scenario,
    match: open ? 'TIMED_OUT' : status,
    reasons: open ? ['MATCH_TIMEOUT'] : reasons,
  }).toEqual({
    seq: p.seq,
    scenario: p.scenario,
    match: e.match,
    reasons: [...e.reasons].sort(),
  });
  expect(interim).toEqual(e.interimReasons);
  expect(firstAccepted).toBe(e.firstDocumentAt);
  if (e.match === 'MATCHED' || e.match === 'REJECTED') expect(decidedAt).toBe(e.decidedAt);
  else expect(e.decidedAt).toBeNull();
  expect(e.code).toBe(e.match === 'MATCHED' ? 'MATCH' : e.match === 'WITHDRAWN' ? 'WITHDRAWN' : e.reasons[0]);
  for (const r of [...e.reasons, ...e.interimReasons]) expect(ALL_MATCH_REASONS).toContain(r);
  if (e.match === 'MATCHED') {
    const risk = riskRules(p);
    const expectedRules = e.risk!.rules.filter((r) => r !== 'SAMPLING').sort();
    expect({ seq: p.seq, scenario: p.scenario, ...risk }).toEqual({
      seq: p.seq,
      scenario: p.scenario,
      outcome: e.risk!.outcome,
      rules: expectedRules,
    });
  } else expect(e.risk).toBeNull();
}

const gen = (opts: Partial<GeneratorOptions> = {}) =>
  new ParcelGenerator({ seed: 2026, startTime: START, ...opts });

describe('ParcelGenerator', () => {
  it('is deterministic: same seed and options give identical parcels; another seed does not', () => {
    const a = gen({ errors: REALISTIC_ERRORS }).take(3000);
    const b = gen({ errors: REALISTIC_ERRORS }).take(3000);
    expect(JSON.stringify(b)).toEqual(JSON.stringify(a));
    const c = gen({ seed: 2027, errors: REALISTIC_ERRORS }).take(50);
    expect(JSON.stringify(c)).not.toEqual(JSON.stringify(a.slice(0, 50)));
    const shifted = gen({ startTime: START + 3_600_000, errors: REALISTIC_ERRORS }).take(50);
    expect(shifted.map((p) => p.startedAt - 3_600_000)).toEqual(a.slice(0, 50).map((p) => p.startedAt));
  });

  it('advancePast moves the event clock forward, never back: a second load, noise included, comes after the first one', () => {
    const gen = new ParcelGenerator({
      seed: 7,
      startTime: Date.UTC(2026, 10, 2, 1),
      errors: REALISTIC_ERRORS,
    });
    const first = gen.take(50);
    const end = Math.max(...first.flatMap((p) => p.sends.map((s) => s.timestamp)));
    gen.advancePast(end);
    const second = gen.take(300);
    expect(Math.min(...second.flatMap((p) => p.sends.map((s) => s.timestamp)))).toBeGreaterThan(end);
    const at = gen.eventTime;
    gen.advancePast(at - 2 * MAX_LEAD_MS);
    expect(gen.eventTime).toBe(at);
    expect(() => gen.advancePast(Number.NaN)).toThrow(/epoch milliseconds/);
  });

  it('clean traffic: every parcel matches, consistent as DOMAIN.md requires, and no risk rule fires', () => {
    const parcels = gen({ errors: NO_ERRORS }).take(4000);
    for (const p of parcels) {
      expect(p.scenario).toBe('NONE');
      expect(p.expected.code).toBe('MATCH');
      expect(p.sends.map((s) => s.role)).toEqual(['ORIGINAL', 'ORIGINAL', 'ORIGINAL']);
      reconcile(p);
    }
    const kinds = (f: (p: GeneratedParcel) => string) => new Set(parcels.map(f));
    expect(kinds((p) => `${p.orderType}/${p.tradeMode}`)).toEqual(
      new Set(['E/9610', 'B/9710', 'W/9810', 'I/9610', 'I/1210']),
    );
    const importShare = parcels.filter((p) => p.ieFlag === 'I').length / parcels.length;
    expect(importShare).toBeGreaterThan(0.16);
    expect(importShare).toBeLessThan(0.24);
    expect(kinds((p) => p.order.statisticsFlag ?? '-')).toEqual(new Set(['A', 'B', '-']));
    expect(parcels.some((p) => p.order.licenseNo !== null)).toBe(true);
    expect(kinds((p) => p.waybill.trafMode)).toEqual(new Set(['2', '3', '4', '5', 'Y']));
  });

  it('documents are well-formed: schemas, codes, guids, times, unique keys', () => {
    const parcels = gen({ errors: NO_ERRORS, ratePerSecondOfEventTime: 20 }).take(3000);
    const types = {
      ORDER: schemaByName('Order').type,
      PAYMENT: schemaByName('Payment').type,
      WAYBILL: schemaByName('Waybill').type,
    };
    const orderKeys = new Set<string>();
    const waybillKeys = new Set<string>();
    const guids = new Set<string>();
    let last = 0;
    for (const p of parcels) {
      expect(p.startedAt).toBeGreaterThanOrEqual(last);
      last = p.startedAt;
      orderKeys.add(p.orderKey);
      waybillKeys.add(p.waybillKey);
      for (const s of p.sends) {
        expect(types[s.doc].isValid(s.value)).toBe(true);
        expect(s.key).toBe(p.orderKey);
        expect(s.value.guid).toMatch(GUID_PATTERN);
        guids.add(s.value.guid);
        expect(s.value.appTime).toBe(chinaTime14(s.timestamp));
        expect([s.value.appType, s.value.appStatus]).toEqual(['1', '2']);
        expect(s.timestamp).toBeGreaterThanOrEqual(p.startedAt - MAX_LEAD_MS);
      }
      const { order: o, payment: pay, waybill: w } = p;
      expect(
        { E: '9610', B: '9710', W: '9810' }[o.orderType] ??
          (o.tradeMode === '9610' || o.tradeMode === '1210' ? o.tradeMode : 'bad'),
      ).toBe(o.tradeMode);
      expect(CURRENCIES[o.currency]).toBeDefined();
      expect(COUNTRIES[w.country]).toBeDefined();
      expect(TRAF_MODES[w.trafMode]).toBeDefined();
      expect(CUSTOMS[w.portCode]).toBeDefined();
      expect(CUSTOMS[o.customsCode]).toBeDefined();
      expect(w.POD).toMatch(/^[0-9A-Z]{3,4}$/);
      expect(o.orderNo.length).toBeLessThanOrEqual(60);
      expect(w.logisticsNo.length).toBeLessThanOrEqual(32);
      for (const it of o.items) {
        expect(UNITS[it.unit]).toBeDefined();
        expect(it.unit1).toBe(commodities.get(it.gcode)!.unit1);
        expect(it.country).toBe(w.country);
        expect(it.barCode).toMatch(/^69\d{11}$/);
      }
      expect(Number(w.netWeight)).toBeGreaterThan(0);
      expect(Number(w.grossWeight)).toBeGreaterThan(Number(w.netWeight));
      if (p.ieFlag === 'I') {
        expect(o.currency).toBe(CNY);
        expect(isResidentId(o.buyerIdNumber!)).toBe(true);
        expect(isResidentId(pay.payerIdNumber!)).toBe(true);
        expect(o.consigneeDistrict).toMatch(/^\d{6}$/);
        expect(Number(o.goodsValue) + Number(o.freight)).toBeLessThanOrEqual(5000);
        if (!o.buyerIdVerified) expect(pay.payerIdNumber).toBe(o.buyerIdNumber);
      } else {
        expect(pay.payNo).not.toBeNull();
        if (w.trafMode !== 'Y') expect(w.voyageNo).not.toBeNull();
      }
    }
    expect(orderKeys.size).toBe(parcels.length);
    expect(waybillKeys.size).toBe(parcels.length);
    expect(guids.size).toBe(parcels.length * 3);
    // Poisson arrivals at the configured rate
    const meanGap = (parcels[parcels.length - 1].startedAt - parcels[0].startedAt) / (parcels.length - 1);
    expect(meanGap).toBeGreaterThan(45);
    expect(meanGap).toBeLessThan(55);
  });

  it('import buyers come back but stay under the 26,000 CNY yearly limit', () => {
    const parcels = gen({ mix: { importShare: 1 }, buyerPoolSize: 50 }).take(3000);
    const spend = new Map<string, number>();
    for (const p of parcels)
      spend.set(
        p.order.buyerIdNumber!,
        (spend.get(p.order.buyerIdNumber!) ?? 0) + Number(p.order.acturalPaid),
      );
    expect(spend.size).toBeLessThan(parcels.length / 3);
    for (const v of spend.values()) expect(v).toBeLessThan(26000);
  });

  it('transport: parcels of one carrier, flight and day share voyageNo and billNo', () => {
    const parcels = gen()
      .take(3000)
      .filter((p) => p.waybill.trafMode === '5' && p.ieFlag === 'E');
    const byBill = new Map<string, Set<string>>();
    for (const p of parcels) {
      const k = `${p.waybill.logisticsCode}|${p.waybill.billNo}`;
      byBill.set(k, (byBill.get(k) ?? new Set()).add(p.waybill.voyageNo!));
      expect(p.waybill.billNo).toMatch(/^\d{3}-\d{8}$/);
      expect(Number(p.waybill.billNo!.slice(-1))).toBe(Number(p.waybill.billNo!.slice(4, 11)) % 7);
    }
    for (const v of byBill.values()) expect(v.size).toBe(1);
    expect([...byBill.keys()].length).toBeLessThan(parcels.length / 3);
  });

  const CASES: Array<[keyof ErrorRates, Partial<GeneratorOptions>, Scenario[]]> = [
    ['amountMismatch', {}, ['AMOUNT_MISMATCH']],
    ['itemTotalMismatch', {}, ['ITEM_TOTAL_MISMATCH']],
    ['goodsValueMismatch', {}, ['GOODS_VALUE_MISMATCH']],
    ['currencyMismatch', {}, ['CURRENCY_MISMATCH']],
    ['consigneeMismatch', { mix: { importShare: 1 } }, ['CONSIGNEE_MISMATCH']],
    ['buyerPayerMismatch', { mix: { importShare: 1 } }, ['BUYER_PAYER_MISMATCH']],
    ['weightInvalid', {}, ['WEIGHT_INVALID']],
    ['unknownEnterprise', {}, ['UNKNOWN_ENTERPRISE']],
    ['missingDocument', {}, ['MISSING_DOCUMENT']],
    ['deletion', {}, ['DELETION', 'DELETION_TOO_LATE']],
    ['change', {}, ['CHANGE', 'CHANGE_FIXES_BEFORE_MATCH', 'CHANGE_FIXES_AFTER_REJECT']],
    ['prohibited', {}, ['PROHIBITED']],
    ['restrictedNoLicence', { mix: { importShare: 0 } }, ['RESTRICTED_NO_LICENCE']],
    ['gradeD', { mix: { importShare: 0 } }, ['GRADE_D']],
    ['watchlist', {}, ['WATCHLIST']],
    ['priceAnomaly', {}, ['PRICE_ANOMALY']],
    ['weightAnomaly', {}, ['WEIGHT_ANOMALY']],
    ['overSingleLimit', { mix: { importShare: 1 } }, ['OVER_SINGLE_LIMIT']],
  ];

  it.each(CASES)(
    'knob %s at 1: every parcel carries it and reaches the announced outcome',
    (knob, extra, scenarios) => {
      const parcels = gen({ ...extra, errors: { [knob]: 1 } }).take(400);
      for (const p of parcels) {
        expect(scenarios).toContain(p.scenario);
        reconcile(p);
      }
      expect(new Set(parcels.map((p) => p.scenario))).toEqual(new Set(scenarios));
    },
  );

  it('noise knobs: duplicates ignored, invalid / wrong-key versions rejected alone, garbage dead-lettered; the case still matches', () => {
    const parcels = gen({
      errors: { duplicate: 1, invalidDocument: 1, undecodable: 1, keyMismatch: 1 },
    }).take(400);
    for (const p of parcels) {
      expect(p.noise).toEqual(['DUPLICATE', 'INVALID', 'UNDECODABLE', 'WRONG_KEY']);
      expect(p.expected.code).toBe('MATCH');
      const dup = p.sends.find((s) => s.role === 'DUPLICATE')!;
      expect(p.sends.filter((s) => s.value.guid === dup.value.guid && s.role === 'ORIGINAL')).toHaveLength(1);
      const garbage = p.sends.find((s) => s.role === 'UNDECODABLE')!;
      expect(garbage.garbage!.length).toBeGreaterThan(4);
      expect(garbage.garbage![0] === 0 && garbage.garbage![1] === 0).toBe(false);
      reconcile(p);
    }
    const details = new Set(
      parcels.flatMap((p) => p.sends.filter((s) => s.role === 'INVALID').map((s) => s.detail)),
    );
    expect(details).toEqual(new Set(['INVALID_GUID', 'INVALID_DECIMAL']));
  });

  it('realistic errors: every parcel reconciles', () => {
    const parcels = gen({ seed: 99, errors: REALISTIC_ERRORS }).take(8000);
    for (const p of parcels) reconcile(p);
    const failed = parcels.filter((p) => p.expected.code !== 'MATCH').length / parcels.length;
    expect(failed).toBeGreaterThan(0.01);
    expect(failed).toBeLessThan(0.06);
  });

  it('rejects impossible knobs', () => {
    expect(() => gen({ errors: { amountMismatch: 0.6, missingDocument: 0.6 } })).toThrow(/sum to/);
    expect(() => gen({ errors: { duplicate: 1.5 } })).toThrow(/0\.\.1/);
    expect(() => gen({ ratePerSecondOfEventTime: 0 })).toThrow();
  });
});

describe('ParcelGenerator: four-document parcels (fourDocument)', () => {
  const FOUR_CODES = new Set(fourDocumentPlatforms().map((e) => e.code));
  const THREE_TOPICS = new Set([Topics.order.name, Topics.payment.name, Topics.waybill.name]);

  it('default (fourDocument 0): exactly the one-step traffic — no list, no four-document platform, list knobs without effect', () => {
    const parcels = gen({ errors: REALISTIC_ERRORS }).take(3000);
    for (const p of parcels) {
      expect('list' in p || 'listSends' in p).toBe(false);
      expect(p.scenario).not.toBe('LIST_MISMATCH');
      expect(p.missing).not.toBe('LIST');
      expect(FOUR_CODES.has(p.order.ebpCode)).toBe(false);
      for (const s of p.sends) expect(THREE_TOPICS.has(s.topic)).toBe(true);
    }
    const json = (o: Partial<GeneratorOptions>) => JSON.stringify(gen(o).take(500));
    // the option at 0 and the list knob take no draw of the generator's random sequence
    expect(json({ errors: REALISTIC_ERRORS, fourDocument: 0 })).toBe(JSON.stringify(parcels.slice(0, 500)));
    expect(json({ errors: { listMismatch: 1 } })).toBe(json({ errors: NO_ERRORS }));
    expect(json({ errors: { ...REALISTIC_ERRORS, listMismatch: 0 } })).toBe(
      JSON.stringify(parcels.slice(0, 500)),
    );
  });

  it('the four-document platforms are published only on request', () => {
    const published = referenceRecords().filter((r) => r.type === 'enterprise');
    expect(published.some((r) => FOUR_CODES.has(r.key))).toBe(false);
    expect(loadReferenceData().enterprises.every((e) => e.listMode === 'ONE_STEP')).toBe(true);
    const withFour = loadReferenceData({ fourDocument: true }).enterprises;
    expect(withFour).toEqual([...loadReferenceData().enterprises, ...fourDocumentPlatforms()]);
    expect(loadGeneratorCatalog().enterprises.some((e) => FOUR_CODES.has(e.code))).toBe(false);
  });

  it('fourDocument 1, clean traffic: every parcel goes through a FOUR_DOCUMENT platform and files a list agreeing with its documents', () => {
    const parcels = gen({ errors: NO_ERRORS, fourDocument: 1, ratePerSecondOfEventTime: 20 }).take(3000);
    const listType = schemaByName('FiledList').type;
    const copNos = new Set<string>();
    const guids = new Set<string>();
    for (const p of parcels) {
      const l = p.list!;
      expect(l).toBeDefined();
      const platform = enterprises.get(p.order.ebpCode)!;
      expect([platform.listMode, FOUR_CODES.has(platform.code)]).toEqual(['FOUR_DOCUMENT', true]);
      expect(p.listSends!.map((s) => [s.role, s.doc, s.topic, s.key, s.expect])).toEqual([
        ['ORIGINAL', 'LIST', Topics.list.name, p.orderKey, 'APPLIED'],
      ]);
      const ls = p.listSends![0];
      expect(ls.value).toBe(l);
      expect(listType.isValid(l)).toBe(true);
      expect(orderKey(l)).toBe(p.orderKey);
      expect(l.guid).toMatch(GUID_PATTERN);
      expect([l.appType, l.appStatus, l.appTime]).toEqual(['1', '2', chinaTime14(ls.timestamp)]);
      // the filer: the seller's agent named in the order, else the seller itself
      expect(l.agentCode).toBe(p.order.agentCode ?? p.order.ebcCode);
      expect(l.agentName).toBe(p.order.agentName ?? p.order.ebcName);
      expect(l.copNo.length).toBeLessThanOrEqual(20);
      copNos.add(`${l.agentCode}|${l.copNo}`);
      expect(p.ieFlag === 'I' ? l.declTime : l.ieDate).toBe(chinaDate8(ls.timestamp));
      expect(listChecks(l, p.order, p.waybill)).toEqual([]);
      // four documents in random order, at least 1 s apart, within the document delay (5 min)
      const times = allSends(p).map((s) => s.timestamp);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
      expect(times[3] - p.startedAt).toBeLessThanOrEqual(300_000);
      for (const s of allSends(p)) guids.add(s.value.guid);
      expect(p.expected).toMatchObject({ code: 'MATCH', match: 'MATCHED', decidedAt: times[3] });
      reconcile(p);
    }
    expect(copNos.size).toBe(parcels.length);
    expect(guids.size).toBe(parcels.length * 4);
    const kinds = (f: (p: GeneratedParcel) => string) => new Set(parcels.map(f));
    expect(kinds((p) => p.order.ebpCode)).toEqual(FOUR_CODES);
    expect(kinds((p) => `${p.orderType}/${p.tradeMode}`)).toEqual(
      new Set(['E/9610', 'B/9710', 'W/9810', 'I/9610', 'I/1210']),
    );
    expect(kinds((p) => (p.order.agentCode ? 'agent' : 'seller'))).toEqual(new Set(['agent', 'seller']));
    // the list comes anywhere among the four documents
    expect(kinds((p) => String(allSends(p).findIndex((s) => s.doc === 'LIST')))).toEqual(
      new Set(['0', '1', '2', '3']),
    );
  });

  it('fourDocument is a share of the parcels; the others stay one-step', () => {
    const parcels = gen({ errors: REALISTIC_ERRORS, fourDocument: 0.3 }).take(4000);
    const four = parcels.filter((p) => p.list);
    expect(four.length / parcels.length).toBeGreaterThan(0.27);
    expect(four.length / parcels.length).toBeLessThan(0.33);
    for (const p of parcels) {
      expect(FOUR_CODES.has(p.order.ebpCode)).toBe(p.list !== undefined);
      expect(p.listSends !== undefined).toBe(p.list !== undefined);
      reconcile(p);
    }
  });

  const FOUR_CASES: Array<[keyof ErrorRates, Partial<GeneratorOptions>, Scenario[]]> = [
    ['amountMismatch', {}, ['AMOUNT_MISMATCH']],
    ['itemTotalMismatch', {}, ['ITEM_TOTAL_MISMATCH']],
    ['goodsValueMismatch', {}, ['GOODS_VALUE_MISMATCH']],
    ['currencyMismatch', {}, ['CURRENCY_MISMATCH']],
    ['consigneeMismatch', { mix: { importShare: 1 } }, ['CONSIGNEE_MISMATCH']],
    ['buyerPayerMismatch', { mix: { importShare: 1 } }, ['BUYER_PAYER_MISMATCH']],
    ['weightInvalid', {}, ['WEIGHT_INVALID']],
    ['unknownEnterprise', {}, ['UNKNOWN_ENTERPRISE']],
    ['missingDocument', {}, ['MISSING_DOCUMENT']],
    ['deletion', {}, ['DELETION', 'DELETION_TOO_LATE']],
    ['change', {}, ['CHANGE', 'CHANGE_FIXES_BEFORE_MATCH', 'CHANGE_FIXES_AFTER_REJECT']],
    ['prohibited', {}, ['PROHIBITED']],
    ['gradeD', { mix: { importShare: 0 } }, ['GRADE_D']],
    ['watchlist', {}, ['WATCHLIST']],
    ['weightAnomaly', {}, ['WEIGHT_ANOMALY']],
    ['overSingleLimit', { mix: { importShare: 1 } }, ['OVER_SINGLE_LIMIT']],
    ['listMismatch', {}, ['LIST_MISMATCH']],
  ];

  it.each(FOUR_CASES)(
    'knob %s at 1 on four-document parcels: every parcel reaches the announced outcome',
    (knob, extra, scenarios) => {
      const parcels = gen({ ...extra, errors: { [knob]: 1 }, fourDocument: 1 }).take(300);
      for (const p of parcels) {
        expect(scenarios).toContain(p.scenario);
        expect(p.list).toBeDefined();
        reconcile(p);
      }
      expect(new Set(parcels.map((p) => p.scenario))).toEqual(new Set(scenarios));
    },
  );

  it('list errors: a line (qty or price) or the gross weight differs and the case is refused; a missing list times out', () => {
    const mismatched = gen({ errors: { listMismatch: 1 }, fourDocument: 1 }).take(300);
    const byDetail = new Map<string, string[]>();
    for (const p of mismatched) {
      const detail = p.listSends![0].detail!;
      byDetail.set(detail, p.expected.reasons);
      expect(p.expected).toMatchObject({ match: 'REJECTED', code: p.expected.reasons[0], risk: null });
      expect(listChecks(p.list!, p.order, p.waybill)).toEqual([...p.expected.reasons].sort());
      expect(matchChecks(p.order, p.payment, p.waybill)).toEqual([]);
    }
    expect(Object.fromEntries(byDetail)).toEqual({
      qty: ['LIST_ITEM_MISMATCH', 'LIST_TOTAL_MISMATCH'],
      price: ['LIST_ITEM_MISMATCH', 'LIST_TOTAL_MISMATCH'],
      grossWeight: ['LIST_WEIGHT_MISMATCH'],
    });
    const missing = gen({ errors: { missingDocument: 1 }, fourDocument: 1 })
      .take(300)
      .filter((p) => p.missing === 'LIST');
    expect(missing.length).toBeGreaterThan(30);
    for (const p of missing) {
      expect(p.listSends).toEqual([]);
      expect(p.sends.map((s) => s.doc).sort()).toEqual(['ORDER', 'PAYMENT', 'WAYBILL']);
      expect(p.expected).toMatchObject({ code: 'MATCH_TIMEOUT', match: 'TIMED_OUT', decidedAt: null });
      expect(listChecks(p.list!, p.order, p.waybill)).toEqual([]);
    }
  });

  it('realistic errors with half the parcels four-document: every parcel reconciles', () => {
    const parcels = gen({ seed: 99, errors: REALISTIC_ERRORS, fourDocument: 0.5 }).take(8000);
    for (const p of parcels) reconcile(p);
    expect(parcels.some((p) => p.scenario === 'LIST_MISMATCH')).toBe(true);
  });

  it('inEventTimeOrder merges the filed lists with { lists: true } and refuses to drop them silently', () => {
    const parcels = gen({ errors: REALISTIC_ERRORS, fourDocument: 0.5 }).take(500);
    expect(() => [...inEventTimeOrder(parcels)]).toThrow(/four-document parcel.*lists: true/);
    const merged = [...inEventTimeOrder(parcels, { lists: true })];
    expect(merged).toHaveLength(parcels.reduce((n, p) => n + allSends(p).length, 0));
    expect(merged.filter((t) => t.send.doc === 'LIST').length).toBeGreaterThan(200);
    for (let i = 1; i < merged.length; i++)
      expect(merged[i].send.timestamp).toBeGreaterThanOrEqual(merged[i - 1].send.timestamp);
    const oneStep = gen({ errors: REALISTIC_ERRORS }).take(200);
    expect([...inEventTimeOrder(oneStep, { lists: true })]).toEqual([...inEventTimeOrder(oneStep)]);
  });

  it('rejects a share outside 0..1 and reference data without a four-document platform', () => {
    expect(() => gen({ fourDocument: 1.5 })).toThrow(/fourDocument must be a share/);
    expect(() => gen({ fourDocument: -0.1 })).toThrow(/fourDocument must be a share/);
    expect(() => gen({ fourDocument: 0.1, catalog: loadGeneratorCatalog() })).toThrow(
      /no platform in four-document mode/,
    );
    expect(() =>
      gen({ fourDocument: 0.1, catalog: loadGeneratorCatalog({ fourDocument: true }) }),
    ).not.toThrow();
  });
});
