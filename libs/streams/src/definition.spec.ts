import { defineProcessor, jsonSerde, numberSerde, stringSerde, TestDriver } from './index';

interface Order {
  orderNo: string;
  amount: number;
}
interface Payment {
  orderNo: string;
  paid: number;
}

// Type-level checks: this file fails `tsc` (npm run typecheck) if the definition types regress.
const matcher = defineProcessor({
  name: 'typed',
  inputs: {
    'ceb.order.v1': { key: stringSerde, value: jsonSerde<Order>() },
    'ceb.payment.v1': { key: stringSerde, value: jsonSerde<Payment>() },
  },
  outputs: {
    'clearance.manifest.v1': { key: stringSerde, value: jsonSerde<{ orderNo: string; total: number }>() },
  },
  stores: { orders: { value: jsonSerde<Order>() }, paid: { value: numberSerde } },
  globals: { rates: { topic: 'ref.rate.v1', value: numberSerde } },
  process(record, ctx) {
    if (record.topic === 'ceb.order.v1') {
      const order: Order = record.value; // narrowed by topic
      ctx.store('orders').put(record.key, order);
      return;
    }
    const payment: Payment = record.value;
    const paid: number | undefined = ctx.store('paid').get(record.key);
    const rate: number | undefined = ctx.global('rates').get('CNY');
    ctx.emit('clearance.manifest.v1', record.key, {
      orderNo: payment.orderNo,
      total: (paid ?? 0) * (rate ?? 1),
    });
    const neverCalled = () => {
      // @ts-expect-error a Payment is not an Order
      ctx.store('orders').put(record.key, { orderNo: 'x', paid: 1 });
      // @ts-expect-error unknown output topic
      ctx.emit('nope', record.key, {});
      // @ts-expect-error wrong value type for the output
      ctx.emit('clearance.manifest.v1', record.key, { orderNo: 1 });
      // @ts-expect-error unknown store
      ctx.store('missing');
      // @ts-expect-error unknown global table
      ctx.global('missing');
    };
    void neverCalled;
  },
});

describe('definition types', () => {
  it('infers topics, stores and globals (checked by tsc), and runs', async () => {
    const driver = new TestDriver(matcher);
    await driver.pipeGlobal('rates', 'CNY', 2);
    await driver.pipe('ceb.payment.v1', 'o1', { orderNo: 'o1', paid: 5 });
    const out = await driver.readOutput('clearance.manifest.v1');
    const total: number | undefined = out[0].value?.total;
    expect(total).toBe(0);
  });
});
