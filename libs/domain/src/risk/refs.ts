import type { Commodity, Enterprise, ExchangeRate, WatchlistEntry } from '@clearance/contracts';

export type WatchSubjectType = 'BUYER' | 'CONSIGNEE' | 'ENTERPRISE';

/** Reference data risk screening reads (global tables in the service). */
export interface RiskRefs {
  enterprise(code: string): Enterprise | undefined;
  commodity(gcode: string): Commodity | undefined;
  /** Active entries for a subject (enterprise code, or sha256 of a person's id number / name). */
  watchlist(subjectType: WatchSubjectType, subject: string): WatchlistEntry[];
  /** CNY per unit of `currency` for `period` (YYYYMM). */
  exchangeRate(currency: string, period: string): ExchangeRate | undefined;
}

export interface RiskRefData {
  enterprises?: ReadonlyArray<Enterprise>;
  commodities?: ReadonlyArray<Commodity>;
  watchlist?: ReadonlyArray<WatchlistEntry>;
  exchangeRates?: ReadonlyArray<ExchangeRate>;
}

/** RiskRefs over plain lists (tests, the CLI, or a service that keeps arrays). */
export function riskRefsFrom(data: RiskRefData): RiskRefs {
  const enterprises = new Map((data.enterprises ?? []).map((e) => [e.code, e]));
  const commodities = new Map((data.commodities ?? []).map((c) => [c.gcode, c]));
  const rates = new Map((data.exchangeRates ?? []).map((r) => [`${r.currency}:${r.period}`, r]));
  const watch = new Map<string, WatchlistEntry[]>();
  for (const w of data.watchlist ?? []) {
    if (!w.active) continue;
    const k = `${w.subjectType}:${w.subject}`;
    watch.set(k, [...(watch.get(k) ?? []), w]);
  }
  return {
    enterprise: (code) => enterprises.get(code),
    commodity: (gcode) => commodities.get(gcode),
    watchlist: (type, subject) => watch.get(`${type}:${subject}`) ?? [],
    exchangeRate: (currency, period) => rates.get(`${currency}:${period}`),
  };
}
