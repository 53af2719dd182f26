/**
 * patches/kafkajs+2.2.4.patch: a consumer that crashed (kafkajs restarts it with a new
 * ConsumerGroup) rejoins as the member it was when its LeaveGroup failed. A broker that dies with
 * the group coordinator on it crashes the consumer (retries run out on the dead connection), the
 * LeaveGroup cannot reach the coordinator, and kafkajs 2.2.4 rejoined with no member id: the
 * group then waited out the old member's session timeout (30 s by default) before it rebalanced,
 * with every task of the service idle meanwhile. These tests drive kafkajs's consumer
 * (src/consumer/index.js, the installed, patched one) with its ConsumerGroup and Runner replaced
 * by fakes that record the member id each start joins with.
 */
interface FakeGroup {
  memberId: string | null;
}
interface RunnerOptions {
  consumerGroup: FakeGroup;
  onCrash: (e: Error) => Promise<void>;
}
type CreateConsumer = (args: Record<string, unknown>) => {
  run(args: Record<string, unknown>): Promise<void>;
  disconnect(): Promise<void>;
};

const KAFKAJS = 'kafkajs/src';

/**
 * The consumer under test. `leaveSucceeds`: whether the crashed member's LeaveGroup reaches the
 * coordinator. The first start joins as `member-1` and crashes with a retriable error; each later
 * start joins with the member id it was given, or is assigned `member-<n>` when it has none.
 */
function consumerWith(leaveSucceeds: boolean) {
  const joinedAs: Array<string | null> = [];
  let createConsumer!: CreateConsumer;
  let errors!: { KafkaJSNumberOfRetriesExceeded: new (e: Error, o: Record<string, number>) => Error };
  jest.isolateModules(() => {
    jest.doMock(require.resolve(`${KAFKAJS}/consumer/consumerGroup`), () =>
      jest.fn().mockImplementation(() => ({ memberId: null })),
    );
    jest.doMock(require.resolve(`${KAFKAJS}/consumer/runner`), () =>
      jest.fn().mockImplementation(({ consumerGroup, onCrash }: RunnerOptions) => ({
        async start() {
          joinedAs.push(consumerGroup.memberId);
          consumerGroup.memberId ??= `member-${joinedAs.length}`;
          if (joinedAs.length === 1) {
            const cause = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:46102');
            setImmediate(
              () =>
                void onCrash(
                  new errors.KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 10 }),
                ),
            );
          }
        },
        async stop() {
          if (leaveSucceeds) consumerGroup.memberId = null; // ConsumerGroup.leave clears it once the coordinator answered
        },
      })),
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs internal modules, no types
    createConsumer = require(`${KAFKAJS}/consumer`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs internal modules, no types
    errors = require(`${KAFKAJS}/errors`);
  });
  const quiet = {
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    debug: () => undefined,
  };
  const consumer = createConsumer({
    cluster: {
      connect: async () => undefined,
      disconnect: async () => undefined,
      removeBroker: () => undefined,
    },
    groupId: 'g',
    logger: { namespace: () => quiet },
    retry: { initialRetryTime: 1 },
  });
  return { consumer, joinedAs };
}

async function crashAndRestart(leaveSucceeds: boolean): Promise<Array<string | null>> {
  const { consumer, joinedAs } = consumerWith(leaveSucceeds);
  await consumer.run({ eachBatch: async () => undefined });
  for (let i = 0; i < 100 && joinedAs.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  await consumer.disconnect();
  return joinedAs;
}

describe('kafkajs consumer restart after a crash (patched)', () => {
  it('given the crashed member could not leave the group, when kafkajs restarts the consumer, then it rejoins with the same member id', async () => {
    expect(await crashAndRestart(false)).toEqual([null, 'member-1']);
  });

  it('given the crashed member left the group, when kafkajs restarts the consumer, then it joins as a new member', async () => {
    expect(await crashAndRestart(true)).toEqual([null, null]);
  });
});
