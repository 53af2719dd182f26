import {
  orderKey,
  schemaByName,
  sha256Hex,
  type Order,
  type Payment,
  type Waybill,
} from '@clearance/contracts';
import { CNY, COUNTRIES, CURRENCIES, CUSTOMS, TRAF_MODES, UNITS } from './codes';
import { chinaPeriod, chinaTime14, chinaWallToMs } from './format';
import { MAX_LEAD_MS, NO_ERRORS, ParcelGenerator, REALISTIC_ERRORS } from './generator';
import { GUID_PATTERN, isResidentId } from './ids';
import { ALL_MATCH_REASONS } from './reason-codes';
import { loadGeneratorCatalog } from './reference';
import type { DocKind, ErrorRates, GeneratedParcel, GeneratorOptions, Scenario, Send } from './types';

/**
 * An oracle written from DOMAIN.md alone: it replays each parcel's sends through the three-document
 * match (validation, duplicates, change, delete, checks) and evaluates the risk rules, and must
 * reach exactly the outcome the generator announced.
 */
const cat = loadGeneratorCatalog();
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

function validate(s: Send): 'INVALID_DOCUMENT' | 'KEY_MISMATCH' | null {
  const v = s.value;
  if (!/^[0-9A-Z-]{36}$/.test(v.guid)) return 'INVALID_DOCUMENT';
  let ok: boolean;
  if (s.doc === 'ORDER') {
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

/** Replays the sends of a parcel and checks each expectation; returns the final state. */
function reconcile(p: GeneratedParcel): void {
  const held: Partial<{ ORDER: Order; PAYMENT: Payment; WAYBILL: Waybill }> = {};
  const seen = new Set<string>();
  let status: 'OPEN' | 'REJECTED' | 'MATCHED' | 'WITHDRAWN' = 'OPEN';
  let reasons: string[] = [];
  const interim: string[] = [];
  let decidedAt: number | null = null;
  let firstAccepted: number | null = null;
  for (const s of p.sends) {
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
        (held as Record<DocKind, unknown>)[s.doc] = s.value;
        firstAccepted ??= s.timestamp;
        if (held.ORDER && held.PAYMENT && held.WAYBILL) {
          const r = matchChecks(held.ORDER, held.PAYMENT, held.WAYBILL);
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
    const gen = new ParcelGenerator({ seed: 7, startTime: Date.UTC(2026, 10, 2, 1), errors: REALISTIC_ERRORS });
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
