/**
 * A processor instance as its own OS process, for the crash and rebalance tests:
 *   node -r @swc-node/register libs/streams/test/support/runner.ts
 * Configuration comes as JSON in STREAMS_RUNNER (see RunnerConfig). The process reports to its
 * parent over IPC ({ type: 'ready' | 'status' | 'stopped' | 'fatal' }) and stops gracefully on
 * SIGTERM or a { type: 'stop' } message.
 */
import { kafkaConnection } from '@clearance/contracts';
import { StreamsRuntime } from '../../src';
import pino from 'pino';
import { counterProcessor } from './processors';

export interface RunnerConfig {
  brokers: string[];
  app: string;
  input: string;
  output: string;
  instance: string;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  logLevel?: string;
  /** Local state directory: the counts store is then persistent (on disk). */
  stateDir?: string;
  /** Commit interval (ms) of the runtime. */
  commitIntervalMs?: number;
  /** Standby copies per task (needs stateDir). */
  numStandbyReplicas?: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.STREAMS_RUNNER ?? '{}') as RunnerConfig;
  const logger = pino(
    { name: `runner-${config.instance}`, level: config.logLevel ?? 'warn' },
    pino.destination(2),
  );
  const definition = counterProcessor(config.app, config.input, config.output, config.stateDir !== undefined);
  const runtime = new StreamsRuntime(definition, {
    // TLS and SASL settings from the environment the test passed down (.stack/env)
    ...kafkaConnection({ ...process.env, KAFKA_BROKERS: config.brokers.join(',') }),
    stateDir: config.stateDir,
    commitIntervalMs: config.commitIntervalMs,
    numStandbyReplicas: config.numStandbyReplicas,
    clientId: `${config.app}-${config.instance}`,
    logger,
    consumer: {
      sessionTimeout: config.sessionTimeout ?? 6_000,
      heartbeatInterval: config.heartbeatInterval ?? 1_000,
      rebalanceTimeout: config.rebalanceTimeout ?? 10_000,
    },
    onFatalError: (error) => {
      process.send?.({ type: 'fatal', error: error.message });
    },
  });
  const send = (message: object) => {
    if (process.connected) process.send?.(message);
  };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await runtime.stop();
    send({ type: 'stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop') void stop();
  });
  await runtime.start();
  let wasReady = false;
  const timer = setInterval(() => {
    const ready = runtime.isReady();
    const status = {
      type: 'status',
      instance: config.instance,
      ready,
      alive: runtime.isAlive(),
      assignment: runtime.assignment(),
    };
    if (ready && !wasReady) send({ ...status, type: 'ready' });
    wasReady = ready;
    send(status);
  }, 200);
  timer.unref();
}

main().catch((error) => {
  process.stderr.write(`runner failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
