/**
 * patches/kafkajs+2.2.4.patch rewrites kafkajs's producer/sendMessages.js (the produce retry
 * loop): acknowledgements are kept per topic-partition, each partition's batch keeps its sequence
 * across retries, and every batch without an acknowledgement is sent again to its current leader.
 * kafkajs 2.2.4 kept one response per Broker object: after a leader change, a partition that
 * moved to a broker which had already answered was never sent, and a broker answering under a
 * new Broker object had its partitions appended a second time. (Seen on a three-broker stack with
 * a broker killed: records missing from committed transactions, and the same record twice in one
 * transaction, at consecutive sequence numbers.)
 *
 * The cluster here is a model (leaders per partition, brokers that fail on cue, partition logs
 * that deduplicate by producer sequence as Kafka does); the same scenarios run against the
 * installed (patched) sendMessages and against the original one rebuilt from the installed
 * sources with the patch reversed, so the tests show the defect they guard against.
 */
import { join } from 'node:path';
import { KAFKAJS, originalKafkajs } from '../../test/support/kafkajs-original';

interface Message {
  key: string;
  value: string;
  partition: number;
}
type SendMessages = (args: {
  acks: number;
  timeout: number;
  compression: number;
  topicMessages: Array<{ topic: string; messages: Message[] }>;
}) => Promise<Array<{ topicName: string; partition: number; baseOffset: string }>>;

interface Sources {
  createSendMessages(deps: Record<string, unknown>): SendMessages;
  createRetry(options: Record<string, unknown>): unknown;
  findLeaderForPartitions: (this: unknown, topic: string, partitions: number[]) => Record<string, number[]>;
  KafkaJSProtocolError: new (e: unknown) => Error;
  KafkaJSConnectionError: new (message: string, props: unknown) => Error;
  createErrorFromCode(code: number): Error;
}

const load = (root: string): Sources => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs internal modules, no types
  const r = (path: string) => require(join(root, 'src', path));
  const errors = r('errors');
  return {
    createSendMessages: r('producer/sendMessages'),
    createRetry: r('retry'),
    findLeaderForPartitions: r('cluster').prototype.findLeaderForPartitions,
    KafkaJSProtocolError: errors.KafkaJSProtocolError,
    KafkaJSConnectionError: errors.KafkaJSConnectionError,
    createErrorFromCode: r('protocol/error').createErrorFromCode,
  };
};

const NOT_LEADER_OR_FOLLOWER = 6;
const NOT_ENOUGH_REPLICAS = 19;
const TOPIC = 'out';

/** A partition's log on the cluster: appends, deduplicating a batch it has by its sequence. */
class PartitionLog {
  readonly records: string[] = [];
  private readonly batches = new Map<number, { offset: number; count: number }>();
  private nextSequence = 0;

  append(firstSequence: number, values: string[]): number {
    const known = this.batches.get(firstSequence);
    if (known) return known.offset; // Kafka answers a batch it already has with its offset
    if (firstSequence !== this.nextSequence)
      throw new Error(`out of order sequence ${firstSequence}, expected ${this.nextSequence}`);
    const offset = this.records.length;
    this.records.push(...values);
    this.batches.set(firstSequence, { offset, count: values.length });
    this.nextSequence += values.length;
    return offset;
  }
}

type Fault = { kind: 'connection' } | { kind: 'protocol'; code: number; afterAppend?: boolean };

/**
 * The model. `leaders`: partition → node. `script`: per node, the outcome of its next produce
 * requests in order (undefined: success); `onFail` runs when a scripted fault fires (a leader
 * change, a new Broker object).
 */
class Model {
  readonly logs = new Map<number, PartitionLog>();
  brokers = new Map<number, { nodeId: number; produce: (r: unknown) => Promise<unknown> }>();
  readonly requests: Array<{ node: number; partitions: number[] }> = [];
  onFail: () => void = () => undefined;

  constructor(
    private readonly k: Sources,
    public leaders: Record<number, number>,
    private readonly script: Record<number, Array<Fault | undefined>>,
  ) {
    for (const p of Object.keys(leaders)) this.logs.set(Number(p), new PartitionLog());
    this.newBrokerObjects();
  }

  /** What kafkajs does on a reconnect or a changed host: other Broker objects for the same nodes. */
  newBrokerObjects(): void {
    const nodes = new Set([1, 2, 3]);
    this.brokers = new Map(
      [...nodes].map((nodeId) => [nodeId, { nodeId, produce: (r) => this.produce(nodeId, r) }]),
    );
  }

  private async produce(node: number, request: unknown): Promise<unknown> {
    const { topicData } = request as {
      topicData: Array<{
        topic: string;
        partitions: Array<{ partition: number; firstSequence: number; messages: Message[] }>;
      }>;
    };
    const partitions = topicData.flatMap((t) => t.partitions);
    this.requests.push({ node, partitions: partitions.map((p) => p.partition) });
    const fault = this.script[node]?.shift();
    if (fault?.kind === 'connection') {
      this.onFail();
      throw new this.k.KafkaJSConnectionError('Connection error: connect ECONNREFUSED', {
        broker: `node-${node}`,
      });
    }
    const answers = [];
    for (const p of partitions) {
      if (this.leaders[p.partition] !== node) throw this.k.createErrorFromCode(NOT_LEADER_OR_FOLLOWER);
      if (fault?.kind === 'protocol' && !fault.afterAppend) continue;
      const offset = this.logs.get(p.partition)!.append(
        p.firstSequence,
        p.messages.map((m) => m.value),
      );
      answers.push({ partition: p.partition, errorCode: 0, baseOffset: String(offset), logAppendTime: '-1' });
    }
    if (fault?.kind === 'protocol') {
      this.onFail();
      throw this.k.createErrorFromCode(fault.code);
    }
    return { topics: [{ topicName: TOPIC, partitions: answers }], throttleTime: 0 };
  }

  sendMessages(): SendMessages {
    const sequences = new Map<string, number>();
    const cluster = {
      targetTopics: new Set([TOPIC]),
      refreshMetadataIfNecessary: async () => undefined,
      refreshMetadata: async () => undefined,
      addMultipleTargetTopics: async () => undefined,
      isConnected: () => true,
      connect: async () => undefined,
      removeBroker: () => undefined,
      findTopicPartitionMetadata: () =>
        Object.entries(this.leaders).map(([p, leader]) => ({ partitionId: Number(p), leader })),
      findLeaderForPartitions: (topic: string, partitions: number[]): Record<string, number[]> =>
        this.k.findLeaderForPartitions.call(cluster, topic, partitions),
      findBroker: async ({ nodeId }: { nodeId: string }) => this.brokers.get(Number(nodeId)),
    };
    const eosManager = {
      isTransactional: () => false,
      getProducerId: () => 1000,
      getProducerEpoch: () => 0,
      getTransactionalId: () => undefined,
      acquireBrokerLock: async () => undefined,
      releaseBrokerLock: async () => undefined,
      addPartitionsToTransaction: async () => undefined,
      getSequence: (topic: string, partition: number) => sequences.get(`${topic}|${partition}`) ?? 0,
      updateSequence: (topic: string, partition: number, n: number) =>
        sequences.set(`${topic}|${partition}`, (sequences.get(`${topic}|${partition}`) ?? 0) + n),
    };
    const logger = {
      debug: () => undefined,
      error: () => undefined,
      info: () => undefined,
      warn: () => undefined,
    };
    return this.k.createSendMessages({
      logger,
      cluster,
      partitioner: ({ message }: { message: Message }) => message.partition,
      eosManager,
      retrier: this.k.createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 2 }),
    });
  }

  /** Each partition's log as the values it holds. */
  contents(): Record<number, string[]> {
    return Object.fromEntries([...this.logs].map(([p, log]) => [p, log.records]));
  }
}

const messages = (partitions: number[], n: number): Message[] =>
  partitions.flatMap((partition) =>
    Array.from({ length: n }, (_, i) => ({ key: `k${partition}`, value: `p${partition}-${i}`, partition })),
  );
const expected = (partitions: number[], n: number) =>
  Object.fromEntries(partitions.map((p) => [p, Array.from({ length: n }, (_, i) => `p${p}-${i}`)]));
/** The arguments kafkajs's producer passes for one send of `msgs` to the topic. */
const args = (msgs: Message[]) => ({
  acks: -1,
  timeout: 30_000,
  compression: 0,
  topicMessages: [{ topic: TOPIC, messages: msgs }],
});
const send = (model: Model, msgs: Message[]) => model.sendMessages()(args(msgs));

let copy: ReturnType<typeof originalKafkajs> | undefined;
let original: Sources;
let patched: Sources;

beforeAll(() => {
  copy = originalKafkajs(); // fails unless the installed kafkajs holds exactly the patched sources
  original = load(copy.root);
  patched = load(KAFKAJS);
});

afterAll(() => copy?.dispose());

describe('kafkajs produce retries (patched sendMessages)', () => {
  it('given a partition whose leader moves to a broker that has already answered, when the send is retried, then the partition is still written', async () => {
    const run = async (k: Sources) => {
      // node 1 answers for partition 0; node 2 is gone, and partition 1 moves to node 1
      const model = new Model(k, { 0: 1, 1: 2 }, { 2: [{ kind: 'connection' }] });
      model.onFail = () => (model.leaders[1] = 1);
      const acks = await send(model, messages([0, 1], 3));
      return { contents: model.contents(), acked: acks.map((a) => a.partition).sort() };
    };
    const fixed = await run(patched);
    expect(fixed.contents).toEqual(expected([0, 1], 3));
    expect(fixed.acked).toEqual([0, 1]);
    // kafkajs 2.2.4: resolved as sent, partition 1 empty (a transaction would commit without it)
    const before = await run(original);
    expect(before.contents[1]).toEqual([]);
  });

  it('given a broker that answered and then reappears as a new Broker object, when the send is retried, then its partitions are not appended again', async () => {
    const run = async (k: Sources) => {
      const model = new Model(k, { 0: 1, 1: 2 }, { 2: [{ kind: 'connection' }] });
      model.onFail = () => model.newBrokerObjects();
      await send(model, messages([0, 1], 2));
      return model.contents();
    };
    expect(await run(patched)).toEqual(expected([0, 1], 2));
    // kafkajs 2.2.4: partition 0 sent again with the next sequence numbers: appended twice
    expect((await run(original))[0]).toEqual([...expected([0], 2)[0], ...expected([0], 2)[0]]);
  });

  it('given a request that fails after the broker appended it, when the send is retried, then the batch goes again with the same sequence and is kept once', async () => {
    const model = new Model(
      patched,
      { 0: 1, 1: 1 },
      {
        1: [{ kind: 'protocol', code: NOT_ENOUGH_REPLICAS, afterAppend: true }],
      },
    );
    const acks = await send(model, messages([0, 1], 4));
    expect(model.contents()).toEqual(expected([0, 1], 4));
    expect(acks.map((a) => [a.partition, a.baseOffset]).sort()).toEqual([
      [0, '0'],
      [1, '0'],
    ]);
    expect(model.requests).toHaveLength(2);
  });

  it('given later sends on the same producer, when one was retried, then their sequences follow on (no gap, no reuse)', async () => {
    const model = new Model(
      patched,
      { 0: 1, 1: 2 },
      { 2: [{ kind: 'connection' }, { kind: 'protocol', code: NOT_LEADER_OR_FOLLOWER }] },
    );
    const sendMessages = model.sendMessages();
    await sendMessages(args(messages([0, 1], 2)));
    await sendMessages(
      args([
        { key: 'k0', value: 'p0-2', partition: 0 },
        { key: 'k1', value: 'p1-2', partition: 1 },
      ]),
    );
    expect(model.contents()).toEqual(expected([0, 1], 3));
  });

  it('given a send that fails for good, then the sequences of its unacknowledged batches are given back and the next send is in order', async () => {
    const model = new Model(
      patched,
      { 0: 1, 1: 2 },
      {
        2: Array.from({ length: 6 }, () => ({ kind: 'connection' as const })),
      },
    );
    const sendMessages = model.sendMessages();
    await expect(sendMessages(args(messages([0, 1], 2)))).rejects.toThrow(/ECONNREFUSED/);
    expect(model.contents()).toEqual({ 0: ['p0-0', 'p0-1'], 1: [] });
    await sendMessages(
      args([
        { key: 'k1', value: 'p1-again', partition: 1 },
        { key: 'k0', value: 'p0-2', partition: 0 },
      ]),
    );
    expect(model.contents()).toEqual({ 0: ['p0-0', 'p0-1', 'p0-2'], 1: ['p1-again'] });
  });
});
