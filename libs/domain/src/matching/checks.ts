import type { Commodity, Enterprise, Order, Payment, Reason, Waybill } from '@clearance/contracts';
import * as decimal from '../common/decimal';
import { reason, ReasonCode as R } from '../common/reasons';

// Bound once: swc's CommonJS output reads an imported binding through a getter at every use
// (see validate.ts); these run for every amount of every case.
const { formatDecimal, mulScaled, parseDecimal } = decimal;

/** Reference data lookups the matcher needs (backed by global tables in the service). */
export type EnterpriseLookup = (code: string) => Enterprise | undefined;
export type CommodityLookup = (gcode: string) => Commodity | undefined;

export const CNY = '142';

/** Enterprise roles named by a case. */
export type EnterpriseRole = 'EBP' | 'EBC' | 'OWNER' | 'AGENT' | 'PAYER' | 'CARRIER';

export interface MatchConfig {
  /** A case not complete this long (event time) after its first accepted document fails with MATCH_TIMEOUT. */
  windowMs: number;
  /** How long a decided/failed/withdrawn tombstone is kept (for duplicate detection) before it may be purged. */
  tombstoneRetentionMs: number;
  /** Roles for which a grade-D enterprise fails the match (others pass and are left to risk: grade D -> INSPECT). */
  gradeDForbiddenRoles: ReadonlyArray<EnterpriseRole>;
  /** Allowed |qty × price − totalPrice| (DOMAIN: equal, so 0). */
  itemTotalTolerance: string;
  /** A gross weight off the commodity bounds by more than this factor is invalid (milder deviations are risk's WEIGHT_ANOMALY). */
  weightImplausibleFactor: string;
  /** How many document guids a case remembers for duplicate detection. */
  seenGuidLimit: number;
}

export const DEFAULT_MATCH_CONFIG: MatchConfig = {
  windowMs: 72 * 3600 * 1000,
  tombstoneRetentionMs: 180 * 24 * 3600 * 1000,
  gradeDForbiddenRoles: ['EBP', 'PAYER', 'CARRIER'],
  itemTotalTolerance: '0',
  weightImplausibleFactor: '10',
  seenGuidLimit: 32,
};

/** A document kept in a case; personal id numbers are replaced by their sha256 (`idHash`). */
export interface Held<T> {
  doc: T;
  /** Event time (ms) at which this version arrived. */
  at: number;
  /** sha256 of the buyer (order) or payer (payment) id number; null otherwise. */
  idHash: string | null;
}

export interface CompleteCase {
  order: Held<Order>;
  payment: Held<Payment>;
  waybill: Held<Waybill>;
}

export interface CheckContext {
  enterprise: EnterpriseLookup;
  commodity?: CommodityLookup;
  config: MatchConfig;
}

type Check = (c: CompleteCase, ctx: CheckContext) => Reason[];

const dec = (v: string | null | undefined, field: string): bigint => parseDecimal(v ?? '0', field);
const same = (a: string | null | undefined, b: string | null | undefined): boolean =>
  (a ?? '').trim() === (b ?? '').trim();
const ieOf = (o: Order): 'I' | 'E' => (o.orderType === 'I' ? 'I' : 'E');

const ieFlags: Check = ({ order, payment, waybill }) => {
  const ie = ieOf(order.doc);
  const out: Reason[] = [];
  if (payment.doc.ieFlag !== ie)
    out.push(
      reason(
        R.IE_FLAG_MISMATCH,
        `payment ieFlag ${payment.doc.ieFlag}, order type ${order.doc.orderType} is ${ie}`,
      ),
    );
  if (waybill.doc.ieFlag !== ie)
    out.push(
      reason(
        R.IE_FLAG_MISMATCH,
        `waybill ieFlag ${waybill.doc.ieFlag}, order type ${order.doc.orderType} is ${ie}`,
      ),
    );
  return out;
};

const sellers: Check = ({ order, payment, waybill }) => {
  if (ieOf(order.doc) !== 'E') return [];
  const out: Reason[] = [];
  const ebc = order.doc.ebcCode;
  if (!same(payment.doc.ebcCode, ebc))
    out.push(reason(R.EBC_MISMATCH, `payment names seller ${payment.doc.ebcCode}, order ${ebc}`));
  if (waybill.doc.ebcCode && !same(waybill.doc.ebcCode, ebc)) {
    out.push(reason(R.EBC_MISMATCH, `waybill names consignor ${waybill.doc.ebcCode}, order ${ebc}`));
  }
  return out;
};

const paymentRef: Check = ({ order, payment }) => {
  const out: Reason[] = [];
  const o = order.doc;
  if (o.payCode && !same(o.payCode, payment.doc.payCode)) {
    out.push(
      reason(
        R.PAYMENT_REF_MISMATCH,
        `order names payment institution ${o.payCode}, payment comes from ${payment.doc.payCode}`,
      ),
    );
  }
  if (
    o.payTransactionId &&
    payment.doc.payTransactionId &&
    !same(o.payTransactionId, payment.doc.payTransactionId)
  ) {
    out.push(
      reason(
        R.PAYMENT_REF_MISMATCH,
        `order names transaction ${o.payTransactionId}, payment ${payment.doc.payTransactionId}`,
      ),
    );
  }
  return out;
};

const currencies: Check = ({ order, payment, waybill }) => {
  const o = order.doc;
  const out: Reason[] = [];
  o.items.forEach((it) => {
    if (it.currency !== o.currency)
      out.push(reason(R.CURRENCY_MISMATCH, `item ${it.gnum} in ${it.currency}, order in ${o.currency}`));
  });
  if (payment.doc.currency !== o.currency) {
    out.push(reason(R.CURRENCY_MISMATCH, `payment in ${payment.doc.currency}, order in ${o.currency}`));
  }
  if (ieOf(o) === 'I') {
    if (o.currency !== CNY)
      out.push(reason(R.CURRENCY_MISMATCH, `import order must be in ${CNY} (CNY), is ${o.currency}`));
    if (waybill.doc.currency !== CNY)
      out.push(
        reason(R.CURRENCY_MISMATCH, `import waybill must be in ${CNY} (CNY), is ${waybill.doc.currency}`),
      );
  }
  return out;
};

const amounts: Check = ({ order, payment }) => {
  const o = order.doc;
  const goods = dec(o.goodsValue, 'goodsValue');
  const freight = dec(o.freight, 'freight');
  if (ieOf(o) === 'I') {
    const out: Reason[] = [];
    const expected = goods + freight + dec(o.taxTotal, 'taxTotal') - dec(o.discount, 'discount');
    const paid = dec(o.acturalPaid, 'acturalPaid');
    if (paid !== expected) {
      out.push(
        reason(
          R.AMOUNT_MISMATCH,
          `acturalPaid ${formatDecimal(paid)} != goodsValue + freight + taxTotal - discount = ${formatDecimal(expected)}`,
        ),
      );
    }
    const amountPaid = dec(payment.doc.amountPaid, 'amountPaid');
    if (amountPaid !== paid) {
      out.push(
        reason(
          R.AMOUNT_MISMATCH,
          `payment amountPaid ${formatDecimal(amountPaid)} != order acturalPaid ${formatDecimal(paid)}`,
        ),
      );
    }
    return out;
  }
  const charge = dec(payment.doc.charge, 'charge');
  return charge === goods + freight
    ? []
    : [
        reason(
          R.AMOUNT_MISMATCH,
          `payment charge ${formatDecimal(charge)} != goodsValue + freight = ${formatDecimal(goods + freight)}`,
        ),
      ];
};

const itemTotals: Check = ({ order }, { config }) => {
  const tolerance = parseDecimal(config.itemTotalTolerance, 'itemTotalTolerance');
  return order.doc.items.flatMap((it) => {
    const product = mulScaled(dec(it.qty, 'qty'), dec(it.price, 'price'));
    const diff = product - dec(it.totalPrice, 'totalPrice');
    return (diff < 0n ? -diff : diff) > tolerance
      ? [
          reason(
            R.ITEM_TOTAL_MISMATCH,
            `item ${it.gnum}: qty × price = ${formatDecimal(product)}, totalPrice ${it.totalPrice}`,
          ),
        ]
      : [];
  });
};

const goodsValue: Check = ({ order }) => {
  const sum = order.doc.items.reduce((acc, it) => acc + dec(it.totalPrice, 'totalPrice'), 0n);
  const goods = dec(order.doc.goodsValue, 'goodsValue');
  return sum === goods
    ? []
    : [
        reason(
          R.GOODS_VALUE_MISMATCH,
          `sum of item totals ${formatDecimal(sum)} != goodsValue ${formatDecimal(goods)}`,
        ),
      ];
};

const consignee: Check = ({ order, waybill }) => {
  if (ieOf(order.doc) !== 'I') return [];
  const fields = ['consignee', 'consigneeTelephone', 'consigneeAddress'] as const;
  const differing = fields.filter((f) => !same(order.doc[f], waybill.doc[f]));
  return differing.length === 0
    ? []
    : [reason(R.CONSIGNEE_MISMATCH, `waybill ${differing.join(', ')} differ from the order's`)];
};

const buyerPayer: Check = ({ order, payment }) => {
  const o = order.doc;
  if (ieOf(o) !== 'I' || o.buyerIdVerified === true) return [];
  const samePerson =
    same(o.buyerIdType, payment.doc.payerIdType) &&
    order.idHash !== null &&
    order.idHash === payment.idHash &&
    same(o.buyerName, payment.doc.payerName);
  return samePerson
    ? []
    : [
        reason(
          R.BUYER_PAYER_MISMATCH,
          'buyer identity not verified by the platform, and the payer is not the buyer (id type, id number, name)',
        ),
      ];
};

const weight: Check = ({ order, waybill }, { commodity, config }) => {
  const gross = dec(waybill.doc.grossWeight, 'grossWeight');
  if (gross <= 0n)
    return [reason(R.WEIGHT_INVALID, `grossWeight ${waybill.doc.grossWeight} must be greater than 0`)];
  if (waybill.doc.netWeight !== null && dec(waybill.doc.netWeight, 'netWeight') > gross) {
    return [
      reason(
        R.WEIGHT_INVALID,
        `netWeight ${waybill.doc.netWeight} exceeds grossWeight ${waybill.doc.grossWeight}`,
      ),
    ];
  }
  if (!commodity) return [];
  const factor = parseDecimal(config.weightImplausibleFactor, 'weightImplausibleFactor');
  let minNet = 0n;
  let maxGross = 0n;
  let allHaveMax = true;
  for (const it of order.doc.items) {
    const c = commodity(it.gcode);
    const qty = dec(it.qty, 'qty');
    if (c?.minKgPerUnit) minNet += mulScaled(qty, dec(c.minKgPerUnit, 'minKgPerUnit'));
    if (c?.maxKgPerUnit) maxGross += mulScaled(qty, dec(c.maxKgPerUnit, 'maxKgPerUnit'));
    else allHaveMax = false;
  }
  if (mulScaled(gross, factor) < minNet) {
    return [
      reason(
        R.WEIGHT_INVALID,
        `grossWeight ${waybill.doc.grossWeight} kg is implausibly low for the goods (at least ${formatDecimal(minNet)} kg net)`,
      ),
    ];
  }
  if (allHaveMax && gross > mulScaled(maxGross, factor)) {
    return [
      reason(
        R.WEIGHT_INVALID,
        `grossWeight ${waybill.doc.grossWeight} kg is implausibly high for the goods (at most ${formatDecimal(maxGross)} kg)`,
      ),
    ];
  }
  return [];
};

/** The enterprises a case names, with the role each is named in. */
export function namedEnterprises(c: CompleteCase): Array<{ role: EnterpriseRole; code: string }> {
  const o = c.order.doc;
  const all: Array<{ role: EnterpriseRole; code: string | null }> = [
    { role: 'EBP', code: o.ebpCode },
    { role: 'EBC', code: o.ebcCode },
    { role: 'OWNER', code: o.ownerCode },
    { role: 'AGENT', code: o.agentCode },
    { role: 'PAYER', code: c.payment.doc.payCode },
    { role: 'CARRIER', code: c.waybill.doc.logisticsCode },
  ];
  return all.filter((e): e is { role: EnterpriseRole; code: string } => !!e.code);
}

/** On file for a role: the production/sales unit (OWNER) may also be the seller on file as EBC. */
export function onFileAs(e: Enterprise | undefined, role: EnterpriseRole): boolean {
  if (!e || !e.onFile) return false;
  return e.roles.includes(role) || (role === 'OWNER' && e.roles.includes('EBC'));
}

const enterprises: Check = (c, { enterprise, config }) =>
  namedEnterprises(c).flatMap(({ role, code }) => {
    const e = enterprise(code);
    if (!e || !onFileAs(e, role)) {
      const why = !e
        ? 'not on file'
        : !e.onFile
          ? 'filing revoked'
          : `not on file as ${role} (roles ${e.roles.join(', ') || 'none'})`;
      return [reason(R.ENTERPRISE_NOT_ON_FILE, `${role} ${code}: ${why}`)];
    }
    if (e.creditGrade === 'D' && config.gradeDForbiddenRoles.includes(role)) {
      return [reason(R.ENTERPRISE_GRADE_D, `${role} ${code} has credit grade D, not allowed as ${role}`)];
    }
    return [];
  });

const simplified: Check = ({ order }, { commodity }) => {
  const o = order.doc;
  if (ieOf(o) !== 'E' || o.statisticsFlag !== 'A') return [];
  const out: Reason[] = [];
  if (o.licenseNo)
    out.push(
      reason(
        R.SIMPLIFIED_NOT_ALLOWED,
        `simplified declaration (A) is not allowed with a licence (${o.licenseNo})`,
      ),
    );
  for (const it of o.items) {
    const c = commodity?.(it.gcode);
    if (!c) continue;
    const why = [
      c.control !== 'NONE' ? `control ${c.control}` : '',
      c.exportDuty ? 'export duty' : '',
      c.rebateRate && parseDecimal(c.rebateRate) > 0n ? `rebate ${c.rebateRate}` : '',
    ].filter(Boolean);
    if (why.length > 0)
      out.push(
        reason(
          R.SIMPLIFIED_NOT_ALLOWED,
          `item ${it.gnum} (${it.gcode}): ${why.join(', ')} excludes simplified declaration (A)`,
        ),
      );
  }
  return out;
};

/** Every check of DOMAIN.md "Three-document match", in a fixed order. */
export const MATCH_CHECKS: ReadonlyArray<Check> = [
  ieFlags,
  sellers,
  paymentRef,
  currencies,
  amounts,
  itemTotals,
  goodsValue,
  consignee,
  buyerPayer,
  weight,
  enterprises,
  simplified,
];

/** All reasons a complete case fails the match; empty when the three documents agree. */
export function runMatchChecks(c: CompleteCase, ctx: CheckContext): Reason[] {
  const reasons: Reason[] = [];
  for (const check of MATCH_CHECKS) for (const r of check(c, ctx)) reasons.push(r);
  return reasons;
}
