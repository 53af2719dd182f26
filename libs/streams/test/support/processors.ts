/**
 * Processor definitions shared by the unit tests (test driver), the integration tests (real
 * broker), the crash-test runner process and the bench. Topic names are parameters so every test
 * can use its own random topics.
 */
import { defineProcessor, jsonSerde, numberSerde, reject, stringSerde } from '../../src';

/**
 * A keyed counter: every input increments the key's count (a changelogged store) and emits it.
 * `persistent`: the counts store is kept on disk when the runtime has a state directory.
 */
export function counterProcessor(name: string, input: string, output: string, persistent = false) {
  return defineProcessor({
    name,
    inputs: { [input]: { key: stringSerde, value: stringSerde } },
    outputs: { [output]: { key: stringSerde, value: numberSerde } },
    stores: { counts: { value: numberSerde, persistent } },
    process(record, ctx) {
      const counts = ctx.store('counts');
      const count = (counts.get(record.key) ?? 0) + 1;
      counts.put(record.key, count);
      ctx.emit(output, record.key, count);
    },
  });
}

export interface Meeting {
  key: string;
  leftPartition: number;
  rightPartition: number;
  task: number;
}

/** Co-partitioned join: remembers on which side (and partition) a key was seen; emits when both met. */
export function joinProcessor(name: string, left: string, right: string, output: string) {
  return defineProcessor({
    name,
    inputs: {
      [left]: { key: stringSerde, value: stringSerde },
      [right]: { key: stringSerde, value: stringSerde },
    },
    outputs: { [output]: { key: stringSerde, value: jsonSerde<Meeting>() } },
    stores: { seen: { value: jsonSerde<{ left?: number; right?: number }>() } },
    process(record, ctx) {
      const seen = ctx.store('seen');
      const side = record.topic === left ? 'left' : 'right';
      const entry = { ...(seen.get(record.key) ?? {}), [side]: record.partition };
      seen.put(record.key, entry);
      if (entry.left !== undefined && entry.right !== undefined) {
        ctx.emit(output, record.key, {
          key: record.key,
          leftPartition: entry.left,
          rightPartition: entry.right,
          task: ctx.task,
        });
        seen.delete(record.key);
      }
    },
  });
}

export interface Order {
  id: string;
  enterprise: string;
  amount: number;
}
export interface Enterprise {
  name: string;
  version: number;
}
export interface Enriched {
  id: string;
  amount: number;
  enterpriseName: string;
  enterpriseVersion: number;
}
export interface Receipt {
  status: 'rejected';
  kind: string;
  reason: string;
  code?: string;
  offset: number;
}

const isOrder = (v: unknown): boolean => {
  const o = v as Order | null;
  return (
    !!o &&
    typeof o === 'object' &&
    typeof o.id === 'string' &&
    typeof o.enterprise === 'string' &&
    typeof o.amount === 'number'
  );
};

/**
 * Enrichment with a global table, validation and receipts: orders whose bytes are not a valid
 * order go to the DLQ (deserialization), orders with a negative amount or an unknown enterprise
 * are rejected; every dead letter produces a receipt keyed like the input.
 */
export function enrichProcessor(
  name: string,
  t: { orders: string; enterprises: string; enriched: string; receipts: string },
) {
  return defineProcessor({
    name,
    inputs: { [t.orders]: { key: stringSerde, value: jsonSerde<Order>(isOrder) } },
    outputs: {
      [t.enriched]: { key: stringSerde, value: jsonSerde<Enriched>() },
      [t.receipts]: { key: stringSerde, value: jsonSerde<Receipt>() },
    },
    globals: { enterprises: { topic: t.enterprises, value: jsonSerde<Enterprise>() } },
    process(record, ctx) {
      const order = record.value;
      if (order.amount < 0) return reject(`negative amount ${order.amount}`, { code: 'NEGATIVE_AMOUNT' });
      const enterprise = ctx.global('enterprises').get(order.enterprise);
      if (!enterprise)
        return ctx.reject(`unknown enterprise ${order.enterprise}`, { code: 'UNKNOWN_ENTERPRISE' });
      ctx.emit(t.enriched, record.key, {
        id: order.id,
        amount: order.amount,
        enterpriseName: enterprise.name,
        enterpriseVersion: enterprise.version,
      });
    },
    onDeadLetter(info, ctx) {
      const key = info.rawKey ? info.rawKey.toString('utf8') : 'unknown';
      ctx.emit(t.receipts, key, {
        status: 'rejected',
        kind: info.kind,
        reason: info.reason,
        code: info.code,
        offset: info.offset,
      });
    },
  });
}

export interface Summary {
  task: number;
  at: number;
  keys: number;
  total: number;
}

/**
 * Counter + rejection + punctuation on stream time, for the driver/runtime parity test: values
 * "bad" are rejected, other values are added to a per-key total (a store); every `every` ms of
 * stream time each task emits a summary of its totals.
 */
export function parityProcessor(
  name: string,
  t: { input: string; totals: string; summaries: string },
  every = 10_000,
) {
  return defineProcessor({
    name,
    inputs: { [t.input]: { key: stringSerde, value: stringSerde } },
    outputs: {
      [t.totals]: { key: stringSerde, value: numberSerde },
      [t.summaries]: { key: stringSerde, value: jsonSerde<Summary>() },
    },
    stores: { totals: { value: numberSerde } },
    process(record, ctx) {
      if (record.value === 'bad') return reject('bad value');
      const amount = Number(record.value);
      if (!Number.isFinite(amount)) throw new Error(`not a number: ${record.value}`);
      const totals = ctx.store('totals');
      const total = (totals.get(record.key) ?? 0) + amount;
      totals.put(record.key, total);
      ctx.emit(t.totals, record.key, total);
    },
    punctuators: [
      {
        name: 'summary',
        every,
        punctuate(ctx) {
          let keys = 0;
          let total = 0;
          for (const [, v] of ctx.store('totals').entries()) {
            keys++;
            total += v;
          }
          ctx.emit(t.summaries, `task-${ctx.task}`, { task: ctx.task, at: ctx.timestamp, keys, total });
        },
      },
    ],
  });
}
