import {
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { toCsv } from './csv';
import {
  declarationPageSchema,
  declarationSchema,
  errorSchema,
  parcelSchema,
  statisticsSchema,
} from './openapi';
import { ReadModels, type DeclarationView, type StatisticsView } from './read-models';
import {
  declarationNoParam,
  declarationsQuery,
  DIMENSIONS,
  orderParams,
  parseOr400,
  statisticsQuery,
  waybillParams,
} from './validation';

export const READ_MODELS = Symbol('READ_MODELS');

/** The bit of the HTTP response a CSV handler needs (express's Response has it). */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

function sendCsv(res: HeaderSink, name: string, csv: string): string {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  return csv;
}

const bad = { description: 'invalid parameters (the message names each)', schema: errorSchema };

@ApiTags('parcels')
@Controller('parcels')
export class ParcelsController {
  constructor(@Inject(READ_MODELS) private readonly db: ReadModels) {}

  @Get('by-order/:ebpCode/:orderNo')
  @ApiOperation({ summary: 'A parcel by its order (platform code + order number): status and audit trail' })
  @ApiParam({ name: 'orderNo', type: String, description: 'platform order number' })
  @ApiParam({ name: 'ebpCode', type: String, description: 'platform customs code' })
  @ApiOkResponse({ schema: parcelSchema })
  @ApiBadRequestResponse(bad)
  @ApiNotFoundResponse({ description: 'no event names this order', schema: errorSchema })
  async byOrder(@Param() params: unknown) {
    const p = parseOr400(orderParams, params, 'path');
    const parcel = await this.db.parcelByOrder(`${p.ebpCode}:${p.orderNo}`);
    if (!parcel) throw new NotFoundException(`no parcel with order ${p.ebpCode}:${p.orderNo}`);
    return parcel;
  }

  @Get('by-waybill/:logisticsCode/:logisticsNo')
  @ApiOperation({
    summary: 'A parcel by its waybill (carrier code + waybill number): status and audit trail',
  })
  @ApiParam({ name: 'logisticsNo', type: String, description: 'waybill number' })
  @ApiParam({ name: 'logisticsCode', type: String, description: 'carrier customs code' })
  @ApiOkResponse({ schema: parcelSchema })
  @ApiBadRequestResponse(bad)
  @ApiNotFoundResponse({ description: 'no event names this waybill', schema: errorSchema })
  async byWaybill(@Param() params: unknown) {
    const p = parseOr400(waybillParams, params, 'path');
    const parcel = await this.db.parcelByWaybill(`${p.logisticsCode}:${p.logisticsNo}`);
    if (!parcel) throw new NotFoundException(`no parcel with waybill ${p.logisticsCode}:${p.logisticsNo}`);
    return parcel;
  }
}

const DECLARATION_CSV_HEADER = [
  'declarationNo',
  'kind',
  'sequence',
  'period',
  'ebcCode',
  'ebcName',
  'ownerCode',
  'tradeMode',
  'trafMode',
  'country',
  'portCode',
  'customsCode',
  'statisticsFlag',
  'listCount',
  'totalFobCny',
  'totalRebateCny',
  'lineNo',
  'gcode',
  'gname',
  'unit',
  'qty',
  'unit1',
  'qty1',
  'currency',
  'totalPrice',
  'grossWeight',
  'netWeight',
  'lineListCount',
  'fobCny',
  'rebateRate',
  'rebateAmount',
];

function declarationsCsv(items: DeclarationView[]): string {
  return toCsv(
    DECLARATION_CSV_HEADER,
    items.flatMap((d) =>
      d.lines.map((l) => [
        d.declarationNo,
        d.kind,
        d.sequence,
        d.period,
        d.ebcCode,
        d.ebcName,
        d.ownerCode,
        d.tradeMode,
        d.trafMode,
        d.country,
        d.portCode,
        d.customsCode,
        d.statisticsFlag,
        d.listCount,
        d.totalFobCny,
        d.totalRebateCny,
        l.lineNo,
        l.gcode,
        l.gname,
        l.unit,
        l.qty,
        l.unit1,
        l.qty1,
        l.currency,
        l.totalPrice,
        l.grossWeight,
        l.netWeight,
        l.listCount,
        l.fobCny,
        l.rebateRate,
        l.rebateAmount,
      ]),
    ),
  );
}

const declarationQueries = () => [
  ApiQuery({
    name: 'period',
    type: String,
    required: false,
    description: 'YYYYMM (or YYYYMMDD with daily periods)',
  }),
  ApiQuery({ name: 'consignor', type: String, required: false, description: 'consignor (ebcCode)' }),
  ApiQuery({ name: 'kind', type: String, required: false, enum: ['ORIGINAL', 'AMENDMENT'] }),
  ApiQuery({ name: 'limit', type: String, required: false, description: '1..1000, default 100' }),
  ApiQuery({ name: 'offset', type: String, required: false, description: 'default 0' }),
];

function apply(...decorators: MethodDecorator[]): MethodDecorator {
  return (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };
}

@ApiTags('declarations')
@Controller()
export class DeclarationsController {
  constructor(@Inject(READ_MODELS) private readonly db: ReadModels) {}

  @Get('declarations')
  @ApiOperation({
    summary: 'Summary declarations (with lines) by period and/or consignor; ?format=csv for one row per line',
  })
  @apply(
    ...declarationQueries(),
    ApiQuery({ name: 'format', type: String, required: false, enum: ['json', 'csv'] }),
  )
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ schema: declarationPageSchema })
  @ApiBadRequestResponse(bad)
  async list(@Query() query: unknown, @Res({ passthrough: true }) res: HeaderSink) {
    const q = parseOr400(declarationsQuery, query, 'query');
    const page = await this.db.declarations(q);
    if (q.format === 'csv') return sendCsv(res, 'declarations.csv', declarationsCsv(page.items));
    return { total: page.total, limit: q.limit, offset: q.offset, items: page.items };
  }

  @Get('declarations.csv')
  @ApiOperation({ summary: 'Summary declarations as CSV, one row per line (same filters)' })
  @apply(...declarationQueries())
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv', schema: { type: 'string' } })
  @ApiBadRequestResponse(bad)
  async csv(@Query() query: unknown, @Res({ passthrough: true }) res: HeaderSink) {
    const q = parseOr400(declarationsQuery, { ...(query as object), format: 'csv' }, 'query');
    return sendCsv(res, 'declarations.csv', declarationsCsv((await this.db.declarations(q)).items));
  }

  @Get('declarations/:declarationNo')
  @ApiOperation({ summary: 'One summary declaration with its lines and lists' })
  @ApiParam({ name: 'declarationNo', type: String, example: 'SD2026113F2A9C0B1D4E00' })
  @ApiOkResponse({ schema: declarationSchema })
  @ApiBadRequestResponse(bad)
  @ApiNotFoundResponse({ description: 'unknown declaration number', schema: errorSchema })
  async one(@Param() params: unknown) {
    const { declarationNo } = parseOr400(declarationNoParam, params, 'path');
    const d = await this.db.declaration(declarationNo);
    if (!d) throw new NotFoundException(`no declaration ${declarationNo}`);
    return d;
  }
}

const DIMENSION_LIST = Object.keys(DIMENSIONS).join(', ');

function statisticsCsv(s: StatisticsView): string {
  return toCsv(
    [...s.dimensions, 'lists', 'items', 'valueCny', 'grossWeight', 'unconvertedItems'],
    s.rows.map((r) => [
      ...s.dimensions.map((d) => r.keys[d]),
      r.lists,
      r.items,
      r.valueCny,
      r.grossWeight,
      r.unconvertedItems,
    ]),
  );
}

const statisticsQueries = () => [
  ApiQuery({
    name: 'basis',
    required: false,
    enum: ['decided', 'cleared'],
    description: 'lists decided (month of the decision) or cleared (month of leaveTime); default decided',
  }),
  ApiQuery({
    name: 'dimension',
    required: false,
    description: `up to 3, comma-separated: ${DIMENSION_LIST}; default period`,
  }),
  ApiQuery({ name: 'period', type: String, required: false, description: 'YYYYMM' }),
  ApiQuery({ name: 'periodFrom', required: false }),
  ApiQuery({ name: 'periodTo', required: false }),
  ApiQuery({ name: 'flow', type: String, required: false, enum: ['I', 'E'] }),
  ApiQuery({ name: 'country', type: String, required: false, description: 'country of arrival / departure' }),
  ApiQuery({ name: 'chapter', type: String, required: false, description: 'HS chapter, 2 digits' }),
  ApiQuery({ name: 'heading', type: String, required: false, description: 'HS heading, 4 digits' }),
  ApiQuery({ name: 'port', type: String, required: false, description: 'exit / entry customs' }),
  ApiQuery({ name: 'customs', type: String, required: false, description: 'customs of the list' }),
  ApiQuery({ name: 'trafMode', required: false }),
  ApiQuery({ name: 'tradeMode', required: false }),
  ApiQuery({ name: 'platform', type: String, required: false, description: 'ebpCode' }),
  ApiQuery({ name: 'carrier', type: String, required: false, description: 'logisticsCode' }),
  ApiQuery({ name: 'consignor', type: String, required: false, description: 'ebcCode' }),
  ApiQuery({
    name: 'outcome',
    type: String,
    required: false,
    enum: ['RELEASE', 'INSPECT', 'HOLD', 'REJECT', 'PASS'],
  }),
  ApiQuery({ name: 'rule', type: String, required: false, description: 'rule id (basis decided)' }),
];

@ApiTags('statistics')
@Controller()
export class StatisticsController {
  constructor(@Inject(READ_MODELS) private readonly db: ReadModels) {}

  @Get('statistics')
  @ApiOperation({
    summary:
      'Trade statistics: lists, goods lines, value in CNY and weight by dimension, with filters; ?format=csv',
  })
  @apply(
    ...statisticsQueries(),
    ApiQuery({ name: 'format', type: String, required: false, enum: ['json', 'csv'] }),
  )
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ schema: statisticsSchema })
  @ApiBadRequestResponse(bad)
  async statistics(@Query() query: unknown, @Res({ passthrough: true }) res: HeaderSink) {
    const q = parseOr400(statisticsQuery, query, 'query');
    const s = await this.db.statistics(q);
    return q.format === 'csv' ? sendCsv(res, 'statistics.csv', statisticsCsv(s)) : s;
  }

  @Get('statistics.csv')
  @ApiOperation({ summary: 'Trade statistics as CSV (same parameters)' })
  @apply(...statisticsQueries())
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv', schema: { type: 'string' } })
  @ApiBadRequestResponse(bad)
  async csv(@Query() query: unknown, @Res({ passthrough: true }) res: HeaderSink) {
    const q = parseOr400(statisticsQuery, { ...(query as object), format: 'csv' }, 'query');
    return sendCsv(res, 'statistics.csv', statisticsCsv(await this.db.statistics(q)));
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(READ_MODELS) private readonly db: ReadModels) {}

  @Get()
  @ApiOperation({ summary: 'Up when Postgres answers' })
  async health() {
    try {
      await this.db.ping();
      return { status: 'up' };
    } catch (e) {
      throw new ServiceUnavailableException({ status: 'down', reason: (e as Error).message });
    }
  }
}
