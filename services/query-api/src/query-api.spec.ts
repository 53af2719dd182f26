import { BadRequestException } from '@nestjs/common';
import { createQueryApi } from './app';
import { queryApiConfigFromEnv } from './config';
import { toCsv } from './csv';
import { causalOrder, type ParcelEvent } from './read-models';
import { declarationsQuery, orderParams, parseOr400, statisticsQuery } from './validation';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    return (e as BadRequestException).message;
  }
  throw new Error('expected a 400');
};

describe('query-api configuration', () => {
  it('is validated before anything starts, naming every bad setting', async () => {
    await expect(
      createQueryApi({ port: 'x' as unknown as number, databaseUrl: 'mysql://h/db' }),
    ).rejects.toThrow(
      /PORT: PORT must be a number[\s\S]*DATABASE_URL: DATABASE_URL must be a postgres:\/\/ URL/,
    );
    expect(() => queryApiConfigFromEnv({})).toThrow(/DATABASE_URL: DATABASE_URL is required/);
    expect(queryApiConfigFromEnv({ DATABASE_URL: 'postgres://p@h/db' })).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      schemaPrefix: 'projection_',
    });
  });
});

describe('query-api parameters', () => {
  it('answers 400 with what is wrong', () => {
    expect(message(() => parseOr400(declarationsQuery, { period: '2026-11' }, 'query'))).toBe(
      'invalid query: period: period must be YYYYMM or YYYYMMDD (e.g. 202611)',
    );
    expect(message(() => parseOr400(declarationsQuery, { perod: '202611' }, 'query'))).toBe(
      'invalid query: unknown query parameter(s): perod',
    );
    expect(message(() => parseOr400(declarationsQuery, { limit: '5000' }, 'query'))).toMatch(
      /limit is at most 1000/,
    );
    expect(message(() => parseOr400(orderParams, { ebpCode: 'A:B', orderNo: 'x y' }, 'path'))).toBe(
      'invalid path: ebpCode: ebpCode must not contain ":"; orderNo: orderNo must be printable ASCII without spaces',
    );
    expect(message(() => parseOr400(statisticsQuery, { dimension: 'country,colour' }, 'query'))).toMatch(
      /dimension must be one of period, flow, country/,
    );
    expect(
      message(() => parseOr400(statisticsQuery, { basis: 'cleared', dimension: 'rule' }, 'query')),
    ).toMatch(/rules belong to decisions/);
    expect(
      message(() => parseOr400(statisticsQuery, { period: '202611', periodFrom: '202610' }, 'query')),
    ).toMatch(/not both/);
  });

  it('normalises what it accepts', () => {
    expect(
      parseOr400(
        statisticsQuery,
        { basis: 'cleared', dimension: 'chapter, country', outcome: 'pass' },
        'query',
      ),
    ).toMatchObject({
      basis: 'CLEARED',
      dimension: ['chapter', 'country'],
      outcome: 'PASS',
      format: 'json',
    });
    expect(parseOr400(declarationsQuery, {}, 'query')).toEqual({ limit: 100, offset: 0, format: 'json' });
  });
});

describe('csv', () => {
  it('quotes what needs quoting, CRLF line ends', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          [null, 3],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n,3\r\n');
  });
});

describe('audit trail order', () => {
  const e = (
    kind: string,
    offset: number,
    eventTime: number,
    extra: Partial<ParcelEvent> = {},
  ): ParcelEvent => ({
    at: new Date(eventTime).toISOString(),
    orderKey: 'EBP:1',
    waybillKey: 'LOG:1',
    eventTime,
    kind,
    status: null,
    participant: null,
    docType: null,
    info: `${kind}@${offset}`,
    source: {
      topic: kind === 'RECEIPT' ? 'receipts' : kind.toLowerCase(),
      partition: kind === 'RECEIPT' ? 3 : 0,
      offset,
    },
    payload: {},
    ...extra,
  });
  it('follows processing order, not input event times, and puts events before the receipts they caused', () => {
    // the waybill arrived first but carries a later event time than the order that completed the match
    const events = [
      e('RECEIPT', 30, 100, { status: '2', docType: 'ORDER' }),
      e('MANIFEST', 7, 100),
      e('RECEIPT', 31, 100, { status: '120', docType: 'ORDER' }),
      e('DECISION', 9, 100),
      e('RECEIPT', 50, 100, { status: '800', docType: 'LIST' }),
      e('RECEIPT', 10, 113, { status: '2', docType: 'WAYBILL' }),
      e('RECEIPT', 1, 200, { status: '2', docType: 'DEPARTURE', orderKey: null }),
      e('CLEARED', 2, 300),
      e('RECEIPT', 60, 300, { status: '899', docType: 'DEPARTURE' }),
    ];
    expect(causalOrder(events, 'EBP:1').map((x) => x.info)).toEqual([
      'RECEIPT@10',
      'RECEIPT@30',
      'MANIFEST@7',
      'RECEIPT@31',
      'DECISION@9',
      'RECEIPT@50',
      'RECEIPT@1', // waybill-only: by event time, before the first receipt after it
      'CLEARED@2',
      'RECEIPT@60',
    ]);
  });

  it('puts a tax bill with its list, before the 120 receipts, whatever its event time', () => {
    // as the query returns them: event time, rank, topic (clearance.manifest.v1 before clearance.tax-bill.v1)
    const events = [
      e('RECEIPT', 30, 100, { status: '2', docType: 'ORDER' }),
      e('MANIFEST', 7, 100),
      e('TAX_BILL', 7, 100),
      e('RECEIPT', 31, 100, { status: '120', docType: 'ORDER' }),
      e('DECISION', 9, 100),
      e('RECEIPT', 50, 100, { status: '800', docType: 'LIST' }),
      e('RECEIPT', 10, 113, { status: '2', docType: 'WAYBILL' }),
    ];
    expect(causalOrder(events, 'EBP:1').map((x) => x.info)).toEqual([
      'RECEIPT@10',
      'RECEIPT@30',
      'MANIFEST@7',
      'TAX_BILL@7',
      'RECEIPT@31',
      'DECISION@9',
      'RECEIPT@50',
    ]);
  });
});
