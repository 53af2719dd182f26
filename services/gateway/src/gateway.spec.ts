import type { IncomingMessage } from 'node:http';
import type { Receipt } from '@clearance/contracts';
import { apiKeyOf } from './app';
import { resolveGatewayConfig } from './config';
import { ieFlagOf } from './gateway';

const kafka = () => ({ brokers: ['127.0.0.1:9092'] });
const valid = {
  port: 8090,
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
};

describe('gateway configuration', () => {
  it('given the required settings, when resolved, then the defaults fill the rest', () => {
    const c = resolveGatewayConfig(valid, kafka);
    expect(c).toMatchObject({
      port: 8090,
      host: '127.0.0.1',
      schema: 'gateway',
      projectionSchemaPrefix: 'projection_',
      workers: 1,
      lingerMs: 2,
    });
    expect(c.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });

  it('given several bad settings, when resolved, then one error names each by its variable', () => {
    let message = '';
    try {
      resolveGatewayConfig(
        { ...valid, port: 'x' as never, databaseUrl: 'mysql://x', schema: 'Bad-Name' },
        () => {
          throw new Error('KAFKA_BROKERS is required');
        },
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^invalid gateway configuration:/);
    for (const name of ['GATEWAY_PORT', 'DATABASE_URL', 'GATEWAY_SCHEMA', 'KAFKA_BROKERS'])
      expect(message).toContain(name);
  });
});

describe('who is calling', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  it('takes the key from X-API-Key, or from a bearer token', () => {
    expect(apiKeyOf(req({ 'x-api-key': ' k1 ' }))).toBe('k1');
    expect(apiKeyOf(req({ authorization: 'Bearer k2' }))).toBe('k2');
    expect(apiKeyOf(req({ authorization: 'Basic abc' }))).toBeUndefined();
    expect(apiKeyOf(req({}))).toBeUndefined();
  });
});

describe('export or import return for a receipt', () => {
  const receipt = (invtNo: string | null) => ({ invtNo }) as Receipt;
  it('given the message type its document came in as, then that one', () => {
    expect(ieFlagOf(receipt('22442026E060000351'), 'I')).toBe('I');
  });
  it("given none, then the list number's I/E letter, else export", () => {
    expect(ieFlagOf(receipt('22442026I060000351'), undefined)).toBe('I');
    expect(ieFlagOf(receipt('22442026E060000351'), undefined)).toBe('E');
    expect(ieFlagOf(receipt(null), undefined)).toBe('E');
  });
});
