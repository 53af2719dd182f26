import pino from 'pino';
import { LocalCodecs, schemas, Topics, SchemaValidationError, type Order } from '@clearance/contracts';
import { defineProcessor, jsonSerde, reject, stringSerde, TestDriver, type Logger } from './index';
import {
  PII_CENSOR,
  PII_FIELDS,
  isPiiKey,
  piiRedactPaths,
  piiRedaction,
  redactError,
  scrubErrorText,
  scrubPii,
} from './pii';
import { kafkaLogCreator } from './runtime/kafka-logging';
import { errorMessage } from './errors';

/** Distinctive personal values: none of them may survive. */
const ID = '110101199003077777';
const ID_X = '11010519491231002X';
const NAME = 'Zhang Sanfeng';
const PHONE = '13912345678';
const ADDRESS = 'No. 88 Wangfujing Street, Dongcheng, Beijing';
const PII = [ID, ID_X, NAME, PHONE, ADDRESS, 'Sanfeng', 'Wangfujing'];

const noPii = (text: string): void => {
  for (const v of PII) expect(text).not.toContain(v);
};

/** A pino logger with the project's options, writing its lines into an array. */
function capture(options: pino.LoggerOptions = piiRedaction): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ ...options, level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

describe('scrubPii', () => {
  it.each([
    [`buyerIdNumber = "${ID}"`, 'buyerIdNumber = "[redacted]"'],
    [`order.buyerName: '${NAME}'`, "order.buyerName: '[redacted]'"],
    [
      `{"consigneeAddress":"${ADDRESS}","orderNo":"SO-1"}`,
      '{"consigneeAddress":"[redacted]","orderNo":"SO-1"}',
    ],
    [`{\\"payerName\\":\\"${NAME}\\"}`, '{\\"payerName\\":\\"[redacted]\\"}'],
    [`consignee_address=${ADDRESS}; next`, 'consignee_address=[redacted]; next'],
    [`Consignee: ${NAME}`, 'Consignee: [redacted]'],
    ["buyerName: O'Brien Sanfeng", 'buyerName: [redacted]'],
    [`id ${ID} and ${ID_X} and old 110101900307777`, 'id [redacted] and [redacted] and old [redacted]'],
    [
      `call ${PHONE}, +86 139-1234-5678, (010) 87654321 or 0571-87654321`,
      'call [redacted], [redacted], [redacted] or [redacted]',
    ],
  ])('%s', (text, expected) => {
    expect(scrubPii(text)).toBe(expected);
  });

  it('drops the input V8 quotes in a JSON.parse error', () => {
    for (const bad of [`{"buyerName":"${NAME}" x}`, `${NAME}`, `{"a":1,"consignee":"${NAME}",}`]) {
      let message = '';
      try {
        JSON.parse(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      noPii(scrubPii(message));
    }
  });

  it('leaves what is not personal alone', () => {
    for (const text of [
      'record sent to the dead-letter topic',
      'process failed on ceb.order.v1[3]@1234567: timestamp 1796612012423, time 20261207024708',
      'guid 3f1c2b4e-1111-4222-8333-123456789012, key EBP01:SO-20261207-000123, waybill SF1234567890123',
      "waybill consignee, consigneeTelephone differ from the order's",
      'buyer identity not verified by the platform, and the payer is not the buyer (id type, id number, name)',
      'sum of item totals 120.50 != goodsValue 121.00',
      'buyer:1:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ])
      expect(scrubPii(text)).toBe(text);
  });
});

describe('scrubErrorText', () => {
  it('redacts quoted values but keeps identifiers and JSON keys', () => {
    expect(scrubErrorText(`items[0].qty: "${NAME} ${PHONE}" is not a valid CEB decimal`)).toBe(
      'items[0].qty: "[redacted]" is not a valid CEB decimal',
    );
    expect(scrubErrorText('emit to "clearance.decision.v1": not an output; store "buyer-years"')).toBe(
      'emit to "clearance.decision.v1": not an output; store "buyer-years"',
    );
    expect(scrubErrorText(`{"note":"${NAME}","gnum":1}`)).toBe('{"note":"[redacted]","gnum":1}');
    expect(scrubErrorText('expected digits, e.g. "12.50"; got "1391234"')).toBe(
      'expected digits, e.g. "12.50"; got "[redacted]"',
    );
  });

  it('is what errorMessage answers (dead-letter reasons, health)', () => {
    expect(errorMessage(new Error(`goodsValue: "${NAME}" is not a valid CEB decimal`))).toBe(
      'goodsValue: "[redacted]" is not a valid CEB decimal',
    );
    noPii(errorMessage(`buyerTelephone=${PHONE}`));
  });
});

describe('redactError', () => {
  it('keeps type, code and diagnostics; scrubs message, stack and cause; censors other properties', () => {
    const pg = Object.assign(new Error('null value in column "x" violates not-null constraint'), {
      code: '23502',
      detail: `Failing row contains (${ID}, ${NAME}).`,
      table: 'parcels',
    });
    const domain = Object.assign(new Error(`goodsValue: "${ID}" is not a valid CEB decimal`), {
      value: NAME,
      field: 'goodsValue',
      cause: pg,
    });
    const out = redactError(domain);
    expect(out).toMatchObject({
      type: 'Error',
      message: 'goodsValue: "[redacted]" is not a valid CEB decimal',
      value: PII_CENSOR,
      field: 'goodsValue',
      cause: { code: '23502', detail: PII_CENSOR, table: 'parcels' },
    });
    expect(String(out.stack)).toContain('is not a valid CEB decimal');
    noPii(JSON.stringify(out));
    expect(redactError(`buyerName=${NAME}`)).toEqual({ type: 'string', message: 'buyerName=[redacted]' });
  });
});

describe('piiRedaction (pino options)', () => {
  it('has redact paths for every personal field, camelCase and snake_case, at depths 0 and 1', () => {
    const paths = piiRedactPaths();
    for (const f of PII_FIELDS) {
      expect(paths).toContain(f);
      expect(paths).toContain(`*.${f}`);
    }
    expect(piiRedactPaths(['buyerName'], 3)).toContain('*.*.*.buyer_name');
    expect(paths).toContain('buyer_id_number');
    expect(isPiiKey('CONSIGNEE_TELEPHONE')).toBe(true);
    expect(isPiiKey('consigneeDistrict')).toBe(false);
  });

  it('keeps personal data out of every part of a line: fields at any depth, errors, messages, bindings, bytes', () => {
    const { logger, lines } = capture();
    const order = {
      orderNo: 'SO-1',
      buyerIdNumber: ID,
      buyerName: NAME,
      buyerTelephone: PHONE,
      consigneeAddress: ADDRESS,
    };
    const err = Object.assign(new Error(`cannot handle ${JSON.stringify(order)}`), { doc: order });
    logger.error(
      {
        err,
        order,
        wrapped: { a: { b: { c: { d: { e: { f: { g: { payment: { payer_name: NAME } } } } } } } } },
      },
      'failed',
    );
    logger.warn(err);
    logger.info({ err });
    logger.info(`buyer ${ID} called from ${PHONE}`);
    logger.info('doc %j', order);
    logger.child({ consignee: NAME }).info({ bytes: Buffer.from(JSON.stringify(order)) }, 'raw');
    logger.info({ list: [order, order] }, 'lists');
    expect(lines).toHaveLength(7);
    const text = lines.join('');
    noPii(text);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(text).toContain(PII_CENSOR);
    expect(text).toContain('"orderNo":"SO-1"');
    expect(JSON.parse(lines[0]).err.type).toBe('Error');
    expect(JSON.parse(lines[5]).bytes).toMatch(/^\[\d+ bytes\]$/);
  });
});

describe('errors that quote values, fixed at their source', () => {
  it('an Avro value that does not match its schema: field path and type, never the value', async () => {
    const codecs = new LocalCodecs();
    const orderType = [...schemas().values()].find((s) => s.name === 'Order')!.type;
    const order = orderType.random() as unknown as Record<string, unknown>;
    const bad = {
      ...order,
      buyerIdNumber: Number(ID.slice(0, 15)),
      buyerName: 42,
      consigneeAddress: { ADDRESS },
      goodsValue: 59.8,
    };
    const error = await codecs.encode(Topics.order, bad as unknown as Order).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(SchemaValidationError);
    const message = error!.message;
    expect(message).toContain('buyerIdNumber (number; null | string expected)');
    expect(message).toContain('buyerName (number; null | string expected)');
    expect(message).toContain('consigneeAddress (object; null | string expected)');
    expect(message).toContain('goodsValue = 59.8 (number; string expected)');
    expect(message).not.toContain(ID.slice(0, 15));
    expect(message).not.toContain('42');
    noPii(message);
  });

  it('jsonSerde: bytes that are not JSON, without quoting them', () => {
    const serde = jsonSerde();
    expect(() =>
      serde.deserialize('t', Buffer.from(`{"buyerName":"${NAME}" "buyerIdNumber":"${ID}"}`)),
    ).toThrow(/^jsonSerde: value on t is not JSON \(at position \d+\)$/);
  });
});

describe('the runtime on failing documents', () => {
  interface Doc {
    orderNo: string;
    buyerIdNumber?: string;
    buyerName?: string;
    mode?: string;
  }
  const processor = defineProcessor({
    name: 'pii-test',
    inputs: { orders: { key: stringSerde, value: jsonSerde<Doc>() } },
    outputs: { out: { key: stringSerde, value: jsonSerde<Doc>() } },
    process(record, ctx) {
      const doc = record.value;
      if (doc.mode === 'reject')
        return reject(`order ${doc.orderNo} of ${doc.buyerName} (${doc.buyerIdNumber})`, { code: 'BAD' });
      if (doc.mode === 'throw') throw new Error(`cannot process ${JSON.stringify(doc)}`);
      ctx.emit('out', record.key, doc);
    },
  });

  it.each([
    ['with the project options', piiRedaction],
    ['even with a logger created without them', {}],
  ])('logs every failure %s, without the personal data', async (_name, options) => {
    const { logger, lines } = capture(options);
    const driver = new TestDriver(processor, { logger: logger as unknown as Logger });
    const doc = { orderNo: 'SO-1', buyerIdNumber: ID, buyerName: NAME };
    await driver.pipeRaw('orders', Buffer.from('SO-1'), Buffer.from(JSON.stringify(doc).slice(0, -8)));
    await driver.pipe('orders', 'SO-2', { ...doc, orderNo: 'SO-2', mode: 'reject' });
    await driver.pipe('orders', 'SO-3', { ...doc, orderNo: 'SO-3', mode: 'throw' });
    await driver.pipe('orders', 'SO-4', { ...doc, orderNo: 'SO-4' });

    const dlq = driver.readDeadLetters('orders');
    expect(dlq.map((d) => d.kind)).toEqual(['deserialization', 'rejected', 'processing-error']);
    noPii(dlq[0].reason);
    noPii(dlq[2].reason);
    expect(dlq[2].reason).toMatch(/^processing failed: cannot process/);

    const text = lines.join('');
    expect(lines.filter((l) => l.includes('record sent to the dead-letter topic'))).toHaveLength(3);
    expect(text).toContain('process threw; record goes to the dead-letter topic');
    expect(text).toContain('"code":"BAD"');
    noPii(text);
  });
});

describe('kafkajs logs', () => {
  it('drop fetched records and raw payloads, scrub error texts', () => {
    const { logger, lines } = capture({});
    const log = kafkaLogCreator(logger as unknown as Logger)(0);
    log({
      namespace: 'Connection',
      level: 5,
      label: 'DEBUG',
      log: {
        timestamp: '',
        logger: 'kafkajs',
        message: 'Response Fetch(key: 1, version: 11)',
        data: { responses: [{ partitions: [{ messages: [{ value: Buffer.from(NAME) }] }] }] },
      },
    });
    log({
      namespace: 'Connection',
      level: 5,
      label: 'DEBUG',
      log: {
        timestamp: '',
        logger: 'kafkajs',
        message: 'Response Produce(key: 0, version: 3)',
        error: 'x',
        payload: Buffer.from(NAME),
      },
    });
    log({
      namespace: 'Runner',
      level: 1,
      label: 'ERROR',
      log: {
        timestamp: '',
        logger: 'kafkajs',
        message: 'Error when calling eachBatch',
        error: `bad "${NAME}"`,
        stack: `Error: bad "${NAME}"`,
      },
    });
    expect(lines).toHaveLength(3);
    const text = lines.join('');
    noPii(text);
    expect(JSON.parse(lines[0]).data).toBe('[filtered]');
    expect(JSON.parse(lines[1]).payload).toBe('[filtered]');
  });
});

describe('PII_FIELDS', () => {
  it('names every personal field of the schemas', () => {
    const personal = /idnumber|telephone|phone|address|regno|^consignee|^buyername|^payername/i;
    /** Fields that look personal but are not: types, flags, hashes, a district code. */
    const notPersonal = new Set(['consigneeDistrict']);
    const found = new Set<string>();
    const walk = (t: unknown): void => {
      if (Array.isArray(t)) return t.forEach(walk);
      if (!t || typeof t !== 'object') return;
      const o = t as {
        type?: unknown;
        fields?: Array<{ name: string; type: unknown }>;
        items?: unknown;
        values?: unknown;
      };
      for (const f of o.fields ?? []) {
        if (personal.test(f.name) && !notPersonal.has(f.name)) found.add(f.name);
        walk(f.type);
      }
      walk(o.type);
      walk(o.items);
      walk(o.values);
    };
    for (const s of schemas().values()) walk(s.schema);
    expect(found.size).toBeGreaterThan(5);
    for (const f of found) expect(PII_FIELDS).toContain(f);
  });
});
