import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** Response schemas for the OpenAPI document (the handlers validate input with zod). */

const str = (description?: string, nullable = false): SchemaObject => ({
  type: 'string',
  description,
  nullable,
});
const int = (description?: string): SchemaObject => ({ type: 'integer', description });
const decimal = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  pattern: '^-?\\d+\\.\\d{5}$',
  example: '12.50000',
  description: `${description} (CEB decimal, 5 places)`,
  nullable,
});

export const errorSchema: SchemaObject = {
  type: 'object',
  properties: { statusCode: int(), message: str('what is wrong'), error: str() },
  example: {
    statusCode: 400,
    message: 'invalid query: period: period must be YYYYMM or YYYYMMDD (e.g. 202611)',
    error: 'Bad Request',
  },
};

const taxAmount = (description: string, nullable = false): SchemaObject =>
  decimal(`${description}, CNY`, nullable);

export const taxBillSchema: SchemaObject = {
  type: 'object',
  nullable: true,
  description:
    "The retail import tax bill of the parcel's list (clearance.tax-bill.v1, the role of the CEB816 electronic tax " +
    'bill): customs value, duty, consumption tax and VAT at 70 % per item and in total, checked against the ' +
    "order's declared taxTotal. null for export parcels and before the list is compiled",
  properties: {
    guid: str('tax bill id, derived from the list'),
    invtNo: str('list number'),
    ebcCode: str('seller (e-commerce enterprise) code; withholds the tax', true),
    currency: str('currency of every amount: 142 (CNY)'),
    status: {
      type: 'string',
      enum: ['OK', 'MISMATCH', 'INCOMPLETE'],
      description:
        'OK: declared within 0.01 CNY per tax kind; MISMATCH: a larger difference (TAX_MISMATCH); ' +
        "INCOMPLETE: an item's commodity or rates are unknown, the bill could not be computed",
    },
    customsValueTotal: taxAmount('customs value of the list: goods + freight + insurance'),
    dutyTotal: taxAmount('customs duty (0 within the retail import limits)'),
    consumptionTaxTotal: taxAmount('consumption tax due'),
    vatTotal: taxAmount('VAT due'),
    taxTotal: taxAmount('dutyTotal + consumptionTaxTotal + vatTotal'),
    declaredTaxTotal: taxAmount("the order's declared taxTotal; null when none", true),
    computedAt: str('ISO time of the computation (the list)'),
    items: {
      type: 'array',
      description: 'per list item, in list order; the taxes add up to the totals',
      items: {
        type: 'object',
        properties: {
          gnum: int('line number of the list item'),
          gcode: str('HS code whose rates were applied'),
          customsValue: taxAmount('customs value'),
          dutyValue: taxAmount('customs duty'),
          consumptionTax: taxAmount('consumption tax'),
          vat: taxAmount('VAT'),
          taxTotal: taxAmount('dutyValue + consumptionTax + vat'),
        },
      },
    },
    source: { type: 'object', properties: { topic: str(), partition: int(), offset: int() } },
  },
};

export const parcelSchema: SchemaObject = {
  type: 'object',
  description:
    'A parcel with its status, its import tax bill and audit trail: every receipt, list, tax bill, decision and ' +
    'clearance in the order the engine acted (receipts in processing order; a list with its tax bill, a decision ' +
    'or a clearance just before the receipts it caused)',
  properties: {
    orderKey: str('{ebpCode}:{orderNo}', true),
    ebpCode: str(undefined, true),
    orderNo: str(undefined, true),
    waybillKey: str('{logisticsCode}:{logisticsNo}', true),
    logisticsCode: str(undefined, true),
    logisticsNo: str(undefined, true),
    invtNo: str('list number', true),
    ieFlag: str('I / E', true),
    ebcCode: str('consignor', true),
    tradeMode: str(undefined, true),
    outcome: str('risk outcome of the first decision', true),
    ruleSetVersion: str(undefined, true),
    status: {
      type: 'object',
      properties: {
        code: str('receipt status code: 2, 100, 120, 300, 500, 501..599, 700, 800, 899', true),
        name: str(
          'DECLARING, REJECTED, MATCHED, HELD, INSPECTING, DETAINED, RETURNED, RELEASED, CLEARED',
          true,
        ),
        info: str(undefined, true),
        at: str('ISO time of the event that set it', true),
      },
    },
    firstEventAt: str(undefined, true),
    lastEventAt: str(undefined, true),
    eventCount: int(),
    decisions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          guid: str(),
          outcome: str(),
          returnStatus: str(),
          score: int(),
          ruleSetVersion: str(),
          decidedAt: str(),
          rules: {
            type: 'array',
            items: {
              type: 'object',
              properties: { ruleId: str(), kind: str(), outcome: str(), score: int(), reason: str() },
            },
          },
        },
      },
    },
    taxBill: taxBillSchema,
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: str('ISO event time'),
          orderKey: str(undefined, true),
          waybillKey: str(undefined, true),
          eventTime: int('event time, ms'),
          kind: str('RECEIPT, MANIFEST, TAX_BILL, DECISION, CLEARED'),
          status: str(
            'the status code the event carries; null for a tax bill (it states no parcel status)',
            true,
          ),
          participant: str('receipts: EBP, EBC, PAYER, CARRIER, OFFICER', true),
          docType: str('receipts: ORDER, PAYMENT, WAYBILL, LIST, INSPECTION, DEPARTURE', true),
          info: str(undefined, true),
          source: { type: 'object', properties: { topic: str(), partition: int(), offset: int() } },
          payload: { type: 'object', description: 'the event as recorded' },
        },
      },
    },
  },
};

const lineSchema: SchemaObject = {
  type: 'object',
  properties: {
    lineNo: int(),
    gcode: str('HS code (10 digits, or 4-digit heading in simplified mode)'),
    gname: str(),
    unit: str(),
    currency: str(),
    qty: decimal('sum of declared quantities'),
    unit1: str(),
    qty1: decimal('sum of legal quantities'),
    totalPrice: decimal('FOB in the line currency'),
    grossWeight: decimal('allocated gross weight'),
    netWeight: decimal('allocated net weight'),
    listCount: int(),
    fobCny: decimal('FOB in CNY'),
    rebateRate: decimal('export tax rebate rate', true),
    rebateAmount: decimal('export tax rebate in CNY'),
  },
};

export const declarationSchema: SchemaObject = {
  type: 'object',
  properties: {
    declarationNo: str('SD + period + 12 hex + sequence'),
    declarationKey: str(),
    period: str(),
    sequence: int('0 original, 1.. amendments'),
    kind: { type: 'string', enum: ['ORIGINAL', 'AMENDMENT'] },
    ebcCode: str('consignor'),
    ebcName: str(),
    ownerCode: str(undefined, true),
    summaryFlag: str(),
    statisticsFlag: str(),
    tradeMode: str(),
    trafMode: str(),
    country: str(),
    portCode: str(),
    customsCode: str(),
    startTime: str(),
    endTime: str(),
    listCount: int(),
    grossWeight: decimal('total gross weight'),
    netWeight: decimal('total net weight'),
    totalFobCny: decimal('total FOB in CNY'),
    totalRebateCny: decimal('total export tax rebate in CNY'),
    closedAt: str('ISO time of the period close', true),
    invtNos: { type: 'array', items: str() },
    lines: { type: 'array', items: lineSchema },
  },
};

export const declarationPageSchema: SchemaObject = {
  type: 'object',
  properties: {
    total: int(),
    limit: int(),
    offset: int(),
    items: { type: 'array', items: declarationSchema },
  },
};

const measures: Record<string, SchemaObject> = {
  lists: int('lists (a list with several rules counts once per rule)'),
  items: int('goods lines'),
  valueCny: decimal('value in CNY at the customs rate of the month'),
  grossWeight: decimal('gross weight, kg'),
  unconvertedItems: int('goods lines without an exchange rate (not in valueCny)'),
};

export const statisticsSchema: SchemaObject = {
  type: 'object',
  properties: {
    basis: { type: 'string', enum: ['DECIDED', 'CLEARED'] },
    dimensions: { type: 'array', items: str() },
    filters: { type: 'object', additionalProperties: str() },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        properties: { keys: { type: 'object', additionalProperties: str(undefined, true) }, ...measures },
      },
    },
    totals: { type: 'object', properties: measures },
  },
};
