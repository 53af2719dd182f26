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
  const enterprises = new Map<string, Enterprise>();
  for (const e of data.enterprises ?? []) enterprises.set(e.code, e);
  const commodities = new Map<string, Commodity>();
  for (const c of data.commodities ?? []) commodities.set(c.gcode, c);
  const rates = new Map<string, ExchangeRate>();
  for (const r of data.exchangeRates ?? []) rates.set(`${r.currency}:${r.period}`, r);
  // active entries by subject type, then subject (services build this per list: keep it cheap)
  const watch = new Map<string, Map<string, WatchlistEntry[]>>();
  for (const w of data.watchlist ?? []) {
    if (!w.active) continue;
    let bySubject = watch.get(w.subjectType);
    if (!bySubject) watch.set(w.subjectType, (bySubject = new Map()));
    const entries = bySubject.get(w.subject);
    if (entries) entries.push(w);
    else bySubject.set(w.subject, [w]);
  }
  return {
    enterprise: (code) => enterprises.get(code),
    commodity: (gcode) => commodities.get(gcode),
    watchlist: (type, subject) => watch.get(type)?.get(subject) ?? [],
    exchangeRate: (currency, period) => rates.get(`${currency}:${period}`),
  };
}
