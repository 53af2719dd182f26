import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { schemaByName, sha256Hex, Topics } from '@clearance/contracts';
import { buildReferenceFiles, referenceFileText } from '../scripts/reference-source';
import { COUNTRIES, CURRENCIES, UNITS, WATCHLISTED_PEOPLE } from './codes';
import { isUscc } from './ids';
import { RuleKind } from './reason-codes';
import {
  fourDocumentPlatforms,
  loadGeneratorCatalog,
  loadReferenceData,
  referenceRecords,
  referenceTopics,
} from './reference';

const CUSTOMS_CODE_10 = /^\d{4}[0-9][0-9][0-9A-Z]{4}$/;

describe('reference data', () => {
  const ref = loadReferenceData();

  it('committed JSON is what scripts/reference-source.ts builds (run scripts/write-reference.ts after editing)', () => {
    for (const [file, value] of Object.entries(buildReferenceFiles())) {
      const committed = readFileSync(path.join(__dirname, '../reference', file), 'utf8');
      expect(JSON.parse(committed)).toEqual(JSON.parse(referenceFileText(value)));
    }
  });

  it('every value matches its Avro schema exactly (no generator annotations leak)', () => {
    const check = (schema: string, values: unknown[]) => {
      const type = schemaByName(schema).type;
      for (const v of values) {
        if (!type.isValid(v)) throw new Error(`${schema} invalid: ${JSON.stringify(v)}`);
        expect(Object.keys(v as object).sort()).toEqual(
          Object.keys(type.fromBuffer(type.toBuffer(v)) as object).sort(),
        );
      }
    };
    check('Enterprise', ref.enterprises);
    check('Enterprise', fourDocumentPlatforms());
    check('Commodity', ref.commodities);
    check('ExchangeRate', ref.exchangeRates);
    check('WatchlistEntry', ref.watchlist);
    check('RuleSet', [ref.ruleSet]);
  });

  it('enterprises: platforms, sellers, payers, carriers, agents with realistic codes and grades', () => {
    const e = ref.enterprises;
    const withRole = (r: string) => e.filter((x) => x.roles.includes(r));
    expect(withRole('EBP').length).toBeGreaterThanOrEqual(6);
    expect(withRole('EBC').length).toBeGreaterThanOrEqual(15);
    expect(withRole('EBC').filter((x) => x.roles.includes('OWNER')).length).toBeGreaterThanOrEqual(5);
    expect(withRole('PAYER').length).toBeGreaterThanOrEqual(5);
    expect(withRole('CARRIER').length).toBeGreaterThanOrEqual(6);
    expect(withRole('AGENT').length).toBeGreaterThanOrEqual(2);
    expect(new Set(e.map((x) => x.code)).size).toBe(e.length);
    for (const x of e) {
      expect(CUSTOMS_CODE_10.test(x.code) || isUscc(x.code)).toBe(true);
      expect(['AA', 'A', 'B', 'D']).toContain(x.creditGrade);
      if (x.country !== null) expect(COUNTRIES[x.country]).toBeDefined();
    }
    expect(e.filter((x) => x.code.length === 18).length).toBeGreaterThanOrEqual(2);
    expect(e.filter((x) => x.creditGrade === 'D').length).toBeGreaterThanOrEqual(2);
    expect(e.filter((x) => !x.onFile)).toHaveLength(1);
    expect(new Set(e.map((x) => x.creditGrade))).toEqual(new Set(['AA', 'A', 'B', 'D']));
  });

  it('generator annotations refer to enterprises that exist in the right roles', () => {
    const cat = loadGeneratorCatalog();
    const byCode = new Map(cat.enterprises.map((x) => [x.code, x]));
    for (const x of cat.enterprises) {
      for (const p of x.gen.platforms ?? []) expect(byCode.get(p)?.roles).toContain('EBP');
      for (const p of x.gen.payers ?? []) expect(byCode.get(p)?.roles).toContain('PAYER');
      if (x.gen.owner) expect(byCode.get(x.gen.owner)?.roles).toContain('OWNER');
      if (x.gen.agent) expect(byCode.get(x.gen.agent)?.roles).toContain('AGENT');
      if (x.roles.includes('CARRIER')) expect(x.gen.noFormat).toBeDefined();
      if (x.roles.includes('EBP')) expect(x.gen.orderPrefix).toMatch(/^[A-Z]{2}$/);
    }
  });

  it('four-document platforms: EBPs in FOUR_DOCUMENT mode serving both flows, apart from the default data and named by no seller', () => {
    const four = loadGeneratorCatalog({ fourDocument: true }).enterprises.filter(
      (x) => x.listMode === 'FOUR_DOCUMENT',
    );
    expect(four.map(({ gen: _gen, ...e }) => e)).toEqual(fourDocumentPlatforms());
    expect(four.length).toBeGreaterThanOrEqual(2);
    const codes = new Set(ref.enterprises.map((x) => x.code));
    const prefixes = new Set(loadGeneratorCatalog().enterprises.map((x) => x.gen.orderPrefix));
    const payers = new Set(ref.enterprises.filter((x) => x.roles.includes('PAYER')).map((x) => x.code));
    for (const x of four) {
      expect(x.roles).toEqual(['EBP']);
      expect(x.onFile).toBe(true);
      expect(['AA', 'A', 'B']).toContain(x.creditGrade);
      expect(CUSTOMS_CODE_10.test(x.code) || isUscc(x.code)).toBe(true);
      expect(codes.has(x.code)).toBe(false);
      expect(x.gen.orderPrefix).toMatch(/^[A-Z]{2}$/);
      expect(prefixes.has(x.gen.orderPrefix)).toBe(false);
      expect(x.gen.payers!.length).toBeGreaterThan(0);
      for (const p of x.gen.payers!) expect(payers.has(p)).toBe(true);
    }
    for (const ie of ['E', 'I']) expect(four.some((x) => x.gen.flows!.includes(ie))).toBe(true);
    for (const x of loadGeneratorCatalog().enterprises)
      for (const p of x.gen.platforms ?? []) expect(four.some((f) => f.code === p)).toBe(false);
    expect(ref.enterprises.every((x) => x.listMode === 'ONE_STEP')).toBe(true);
  });

  it('commodities: real-looking 10-digit HS codes over many chapters, units, controls, rates', () => {
    const c = ref.commodities;
    expect(c.length).toBeGreaterThanOrEqual(60);
    expect(new Set(c.map((x) => x.gcode)).size).toBe(c.length);
    const chapters = new Set(c.map((x) => x.gcode.slice(0, 2)));
    for (const ch of ['61', '62', '64', '85', '95', '33', '73', '69', '09', '50', '94', '42'])
      expect(chapters).toContain(ch);
    expect(c.filter((x) => x.control === 'RESTRICTED').length).toBeGreaterThanOrEqual(3);
    expect(c.filter((x) => x.control === 'PROHIBITED').length).toBeGreaterThanOrEqual(2);
    expect(c.some((x) => x.exportDuty)).toBe(true);
    expect(c.some((x) => x.consumptionTaxRate !== null)).toBe(true);
    for (const x of c) {
      expect(x.gcode).toMatch(/^\d{10}$/);
      expect(UNITS[x.unit1]).toBeDefined();
      expect(['NONE', 'RESTRICTED', 'PROHIBITED']).toContain(x.control);
      expect(Number(x.minKgPerUnit)).toBeGreaterThan(0);
      expect(Number(x.maxKgPerUnit)).toBeGreaterThan(Number(x.minKgPerUnit) * 1.15);
      expect([null, '0.13000', '0.09000', '0.00000']).toContain(x.rebateRate);
      for (const d of [
        x.referencePrice,
        x.minKgPerUnit,
        x.maxKgPerUnit,
        x.rebateRate,
        x.vatRate,
        x.consumptionTaxRate,
      ]) {
        if (d !== null) expect(d).toMatch(/^\d+\.\d{5}$/);
      }
    }
    for (const x of loadGeneratorCatalog().commodities) {
      expect(UNITS[x.gen.unit]).toBeDefined();
      expect(x.gen.items.length).toBeGreaterThan(0);
    }
  });

  it('exchange rates: every currency used, for each month 2026-10 .. 2027-01', () => {
    const keys = new Set(ref.exchangeRates.map((r) => `${r.currency}:${r.period}`));
    for (const cur of ['502', '300', '303', '116', '110', '133', '601', '501']) {
      for (const p of ['202610', '202611', '202612', '202701']) expect(keys).toContain(`${cur}:${p}`);
    }
    for (const c of Object.values(COUNTRIES)) expect(keys).toContain(`${c.currency}:202611`);
    for (const r of ref.exchangeRates) {
      expect(CURRENCIES[r.currency]).toBeDefined();
      expect(r.cnyPerUnit).toMatch(/^\d+\.\d{5}$/);
    }
  });

  it('watchlist: enterprises by code, people by sha256 of id number (buyer) or name (consignee)', () => {
    const codes = new Set(ref.enterprises.map((x) => x.code));
    for (const w of ref.watchlist) {
      expect(['INSPECT', 'HOLD']).toContain(w.action);
      if (w.subjectType === 'ENTERPRISE') expect(codes).toContain(w.subject);
      else expect(w.subject).toMatch(/^[0-9a-f]{64}$/);
    }
    for (const p of WATCHLISTED_PEOPLE) {
      const w = ref.watchlist.find((x) => x.id === p.entryId)!;
      expect(w.subject).toBe(sha256Hex(p.subjectType === 'BUYER' ? p.idNumber : p.name));
    }
    expect(ref.watchlist.some((w) => !w.active)).toBe(true);
  });

  it('rule set: versioned, sampling rates per grade, one rule per kind', () => {
    const rs = ref.ruleSet;
    expect(rs.version).toBe('2026.11-1');
    expect(rs.samplingRates).toEqual({ AA: '0.005', A: '0.01', B: '0.03', D: '1.0', UNKNOWN: '0.05' });
    expect(rs.rules.map((r) => r.kind).sort()).toEqual(Object.values(RuleKind).sort());
    const outcome = (k: string) => rs.rules.find((r) => r.kind === k)!.outcome;
    expect(outcome('NEGATIVE_LIST_PROHIBITED')).toBe('REJECT');
    expect(outcome('NEGATIVE_LIST_RESTRICTED')).toBe('INSPECT');
    expect(outcome('ENTERPRISE_NOT_ON_FILE')).toBe('REJECT');
    expect(outcome('IMPORT_SINGLE_LIMIT')).toBe('REJECT');
    expect(rs.rules.find((r) => r.kind === 'PRICE_ANOMALY')!.params).toEqual({ ratio: '0.3' });
    expect(rs.rules.find((r) => r.kind === 'IMPORT_ANNUAL_LIMIT')!.params).toEqual({ limit: '26000' });
    for (const r of rs.rules) expect(r.score).toBeGreaterThan(0);
  });

  it('publishing: one record per value, keyed as the topics say', () => {
    const recs = referenceRecords(ref);
    expect(recs).toHaveLength(
      ref.enterprises.length + ref.commodities.length + ref.exchangeRates.length + ref.watchlist.length + 1,
    );
    expect(recs.find((r) => r.type === 'commodity')!.key).toBe(ref.commodities[0].gcode);
    expect(recs.find((r) => r.type === 'exchangeRate')!.key).toBe(
      `${ref.exchangeRates[0].currency}:${ref.exchangeRates[0].period}`,
    );
    expect(recs[recs.length - 1]).toMatchObject({ type: 'ruleSet', key: 'active', topic: Topics.ruleSet });
    expect(referenceTopics.enterprise.topic.name).toBe('ref.enterprise.v1');
    expect(referenceTopics.watchlist.key(ref.watchlist[0])).toBe(ref.watchlist[0].id);
    // a fresh copy each time
    ref.enterprises[0].name = 'changed';
    expect(loadReferenceData().enterprises[0].name).not.toBe('changed');
  });
});
