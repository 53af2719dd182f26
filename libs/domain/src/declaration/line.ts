import type { ClearedParcel, DeclarationLine, Manifest } from '@clearance/contracts';
import { DEFAULT_PERIOD_CONFIG, periodOf, type PeriodConfig } from './period';

/**
 * Declaration key (DOMAIN.md "summary declaration"): same consignor, transport mode, country of
 * arrival, exit customs and trade mode (so 9610 never merges with 9710/9810), plus the
 * production/sales unit when summaryFlag is 2:
 *
 *   ebcCode|trafMode|country|portCode|tradeMode[|ownerCode when summaryFlag 2][|A when simplified]
 *
 * The `|A` suffix keeps simplified (statisticsFlag A) lists apart from summary (B) ones, since a
 * declaration has a single statisticsFlag; B lists have no suffix.
 */
export function declarationKeyOf(
  m: Pick<
    Manifest,
    | 'ebcCode'
    | 'trafMode'
    | 'country'
    | 'portCode'
    | 'tradeMode'
    | 'summaryFlag'
    | 'ownerCode'
    | 'statisticsFlag'
  >,
): string {
  const parts = [m.ebcCode, m.trafMode, m.country, m.portCode, m.tradeMode];
  if (m.summaryFlag === '2') parts.push(m.ownerCode);
  if (m.statisticsFlag === 'A') parts.push('A');
  return parts.join('|');
}

/**
 * The declaration line of a cleared export parcel, for declaration.lines.v1 (keyed by its
 * declarationKey); undefined for import parcels, which are not summary-declared.
 */
export function declarationLineOf(
  c: ClearedParcel,
  config: PeriodConfig = DEFAULT_PERIOD_CONFIG,
): DeclarationLine | undefined {
  const m = c.manifest;
  if (m.ieFlag !== 'E') return undefined;
  return {
    declarationKey: declarationKeyOf(m),
    period: periodOf(c.leaveTime, config),
    invtNo: m.invtNo,
    waybillKey: c.waybillKey,
    ebcCode: m.ebcCode,
    ebcName: m.ebcName,
    ownerCode: m.ownerCode,
    summaryFlag: m.summaryFlag,
    statisticsFlag: m.statisticsFlag,
    tradeMode: m.tradeMode,
    trafMode: m.trafMode,
    country: m.country,
    portCode: m.portCode,
    customsCode: m.customsCode,
    leaveTime: c.leaveTime,
    grossWeight: m.grossWeight,
    netWeight: m.netWeight,
    items: m.items.map((it) => ({
      gnum: it.gnum,
      gcode: it.gcode,
      gname: it.gname,
      unit: it.unit,
      qty: it.qty,
      unit1: it.unit1,
      qty1: it.qty1,
      currency: it.currency,
      totalPrice: it.totalPrice,
    })),
  };
}
