import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';

/** Parses `input` with `schema`, or answers 400 naming every bad parameter. */
export function parseOr400<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown, what: string): T {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) =>
    i.code === 'unrecognized_keys'
      ? `unknown ${what} parameter(s): ${i.keys.join(', ')}`
      : `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`,
  );
  throw new BadRequestException(`invalid ${what}: ${problems.join('; ')}`);
}

/** An identifier segment: enterprise codes, order and waybill numbers. */
const code = (name: string, max = 64) =>
  z
    .string({ required_error: `${name} is required` })
    .min(1, `${name} must not be empty`)
    .max(max, `${name} is at most ${max} characters`)
    .regex(/^[\x21-\x7e]+$/, `${name} must be printable ASCII without spaces`);

const period = (name: string) =>
  z.string().regex(/^\d{6}(\d{2})?$/, `${name} must be YYYYMM or YYYYMMDD (e.g. 202611)`);

export const orderParams = z
  .object({
    ebpCode: code('ebpCode').refine((s) => !s.includes(':'), 'ebpCode must not contain ":"'),
    orderNo: code('orderNo', 100),
  })
  .strict();

export const waybillParams = z
  .object({
    logisticsCode: code('logisticsCode').refine(
      (s) => !s.includes(':'),
      'logisticsCode must not contain ":"',
    ),
    logisticsNo: code('logisticsNo', 100),
  })
  .strict();

export const declarationNoParam = z
  .object({
    declarationNo: z
      .string()
      .regex(/^SD\d{6}(\d{2})?[0-9A-F]{12}\d{2}$/, 'declarationNo must look like SD202611<12 hex>00'),
  })
  .strict();

const format = z
  .enum(['json', 'csv'], { errorMap: () => ({ message: 'format must be json or csv' }) })
  .default('json');
const limit = (max: number, def: number) =>
  z.coerce
    .number({ invalid_type_error: 'limit must be a number' })
    .int('limit must be an integer')
    .min(1, 'limit must be at least 1')
    .max(max, `limit is at most ${max}`)
    .default(def);

export const declarationsQuery = z
  .object({
    period: period('period').optional(),
    consignor: code('consignor').optional(),
    kind: z
      .enum(['ORIGINAL', 'AMENDMENT'], {
        errorMap: () => ({ message: 'kind must be ORIGINAL or AMENDMENT' }),
      })
      .optional(),
    limit: limit(1000, 100),
    offset: z.coerce
      .number({ invalid_type_error: 'offset must be a number' })
      .int()
      .min(0, 'offset must be >= 0')
      .default(0),
    format,
  })
  .strict();
export type DeclarationsQuery = z.infer<typeof declarationsQuery>;

/** Statistics dimensions and where each comes from. */
export const DIMENSIONS = {
  period: 'l.period',
  flow: 'l.ie_flag',
  country: 'l.country',
  chapter: 'i.chapter',
  heading: 'i.heading',
  port: 'l.port_code',
  trafMode: 'l.traf_mode',
  tradeMode: 'l.trade_mode',
  platform: 'l.ebp_code',
  carrier: 'l.logistics_code',
  consignor: 'l.ebc_code',
  customs: 'l.customs_code',
  outcome: 'l.outcome',
  rule: 'r.rule_id',
} as const;
export type Dimension = keyof typeof DIMENSIONS;
const DIMENSION_NAMES = Object.keys(DIMENSIONS) as [Dimension, ...Dimension[]];

/** Filters: same names as the dimensions (except period, which has its own range). */
export const FILTERS = DIMENSION_NAMES.filter((d) => d !== 'period') as Exclude<Dimension, 'period'>[];

const filter = (name: string, re: RegExp, hint: string) =>
  z.string().regex(re, `${name} must be ${hint}`).optional();

export const statisticsQuery = z
  .object({
    basis: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(
        z.enum(['DECIDED', 'CLEARED'], { errorMap: () => ({ message: 'basis must be decided or cleared' }) }),
      )
      .default('DECIDED'),
    dimension: z
      .string()
      .default('period')
      .transform((s) => s.split(',').map((d) => d.trim()))
      .pipe(
        z
          .array(
            z.enum(DIMENSION_NAMES, {
              errorMap: () => ({ message: `dimension must be one of ${DIMENSION_NAMES.join(', ')}` }),
            }),
          )
          .min(1)
          .max(3, 'at most 3 dimensions')
          .refine((ds) => new Set(ds).size === ds.length, 'a dimension is repeated'),
      ),
    period: period('period').optional(),
    periodFrom: period('periodFrom').optional(),
    periodTo: period('periodTo').optional(),
    flow: z.enum(['I', 'E'], { errorMap: () => ({ message: 'flow must be I or E' }) }).optional(),
    country: filter('country', /^[0-9A-Z]{3}$/, 'a 3-character country code'),
    chapter: filter('chapter', /^\d{2}$/, '2 digits (HS chapter)'),
    heading: filter('heading', /^\d{4}$/, '4 digits (HS heading)'),
    port: filter('port', /^\d{4}$/, 'a 4-digit customs code'),
    customs: filter('customs', /^\d{4}$/, 'a 4-digit customs code'),
    trafMode: filter('trafMode', /^[0-9A-Z]{1,2}$/, 'a transport mode code'),
    tradeMode: filter('tradeMode', /^\d{4}$/, 'a 4-digit trade mode (9610, 1210, 9710, ...)'),
    platform: code('platform').optional(),
    carrier: code('carrier').optional(),
    consignor: code('consignor').optional(),
    outcome: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(
        z.enum(['RELEASE', 'INSPECT', 'HOLD', 'REJECT', 'PASS'], {
          errorMap: () => ({ message: 'outcome must be RELEASE, INSPECT, HOLD, REJECT or PASS' }),
        }),
      )
      .optional(),
    rule: code('rule').optional(),
    format,
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.period && (q.periodFrom || q.periodTo))
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give period, or periodFrom/periodTo, not both' });
    if (q.periodFrom && q.periodTo && q.periodFrom > q.periodTo)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'periodFrom is after periodTo' });
    if (q.basis === 'CLEARED' && (q.rule || q.dimension.includes('rule')))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'rules belong to decisions: use basis=decided for the rule dimension or filter',
      });
  });
export type StatisticsQuery = z.infer<typeof statisticsQuery>;
