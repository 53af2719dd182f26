import { Kafka } from 'kafkajs';
import type { AnyProcessorDefinition, GlobalSpec, GlobalTable } from '../definition';
import { errorMessage } from '../errors';
import { Mutex } from '../internal/mutex';
import { silentLogger, type Logger } from '../logger';
import { GlobalTablesReader } from './global-reader';
import { KAFKA_LOG_LEVELS, kafkaLogCreator } from './kafka-logging';
import { createRegistry, StreamsMetrics } from './metrics';
import { StreamsRuntime, type AssignmentStatus, type StreamsRuntimeConfig } from './runtime';

export interface ReconfiguringRuntimeOptions<V> {
  /** Name of this runtime (status, logs); also the application id when no definition is built. */
  name: string;
  /** The compacted topic whose contents decide the definition (read in full, then followed). */
  source: GlobalSpec<V>;
  /**
   * The processor to run for the table as it is now; undefined: nothing to run (e.g. no
   * participant registered yet). Called again on every change of the table.
   */
  build(table: GlobalTable<V>): AnyProcessorDefinition | undefined;
  /**
   * What must change for a restart (default: the definition's input and output topic names).
   * A change that leaves it equal is taken up by the running processor through its own global
   * tables, without a restart.
   */
  shape?(definition: AnyProcessorDefinition): string;
  /** Settings of every runtime it starts. */
  config: StreamsRuntimeConfig;
  /** How often the table is checked for changes (ms). Default 1000. */
  checkIntervalMs?: number;
}

const defaultShape = (d: AnyProcessorDefinition) =>
  JSON.stringify([Object.keys(d.inputs).sort(), Object.keys(d.outputs).sort()]);

/**
 * A processor whose topics are data: the set of inputs or outputs follows a compacted table
 * (the intake reads every registered participant's input topics; the feed writes every
 * participant's feeds). It reads the table, starts a {@link StreamsRuntime} for the definition
 * it implies, and when the table changes the topics it stops that runtime gracefully (open
 * transactions committed, group left) and starts the new one from the committed offsets: a
 * pause of a rebalance per change, nothing lost or repeated. Readiness, liveness and assignment
 * are those of the runtime running (ready and alive when there is nothing to run).
 */
export class ReconfiguringRuntime<V> {
  private readonly kafka: Kafka;
  private readonly reader: GlobalTablesReader;
  private readonly mutex = new Mutex();
  private readonly logger: Logger;
  private current?: StreamsRuntime;
  private shape = '';
  private seenVersion = -1;
  private timer?: NodeJS.Timeout;
  private state: 'created' | 'running' | 'stopped' = 'created';
  private failed?: Error;
  private readonly registry;
  private restarts = 0;

  constructor(private readonly options: ReconfiguringRuntimeOptions<V>) {
    const c = options.config;
    this.logger = (c.logger ?? silentLogger).child({ component: 'reconfiguring', processor: options.name });
    this.registry = c.registry ?? createRegistry();
    this.kafka = new Kafka({
      clientId: `${c.clientId ?? options.name}-config`,
      brokers: c.brokers,
      ssl: c.ssl,
      sasl: c.sasl,
      logLevel: KAFKA_LOG_LEVELS[c.kafkaLogLevel ?? 'warn'],
      logCreator: kafkaLogCreator(this.logger),
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.reader = new GlobalTablesReader({ source: options.source });
  }

  /** The definition running now (a placeholder without topics when there is none). */
  get definition(): AnyProcessorDefinition {
    return (
      this.current?.definition ?? { name: this.options.name, inputs: {}, outputs: {}, process: () => undefined }
    );
  }

  get groupId(): string {
    return this.current?.groupId ?? this.options.config.groupId ?? this.options.name;
  }

  /** Times the processor was restarted for a change of its topics. */
  get reconfigurations(): number {
    return this.restarts;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`${this.options.name} already ${this.state}`);
    this.state = 'running';
    const admin = this.kafka.admin();
    await admin.connect();
    await this.reader.start({
      kafka: this.kafka,
      admin,
      groupId: `${this.options.config.groupId ?? this.options.name}.config`,
      logger: this.logger,
      metrics: new StreamsMetrics(this.registry, this.options.name, this.options.config.metricsPrefix),
      maxBytesPerPartition: 1024 * 1024,
    });
    await admin.disconnect();
    await this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.options.checkIntervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    await this.mutex.run(async () => {
      await this.current?.stop();
      this.current = undefined;
    });
    await this.reader.stop();
  }

  isReady(): boolean {
    return this.state === 'running' && !this.failed && (this.current ? this.current.isReady() : true);
  }

  isAlive(): boolean {
    return !this.failed && (this.current ? this.current.isAlive() : this.state !== 'stopped');
  }

  assignment(): AssignmentStatus {
    return this.current?.assignment() ?? { generation: -1, tasks: [] };
  }

  /** Restarts the processor when the table's change alters its topics. */
  private async reconcile(): Promise<void> {
    const table = this.reader.tables.get('source') as unknown as GlobalTable<V>;
    if (table.version === this.seenVersion || this.state !== 'running') return;
    await this.mutex.run(async () => {
      if (this.state !== 'running' || table.version === this.seenVersion) return;
      const version = table.version;
      let next: AnyProcessorDefinition | undefined;
      try {
        next = this.options.build(table);
      } catch (e) {
        this.logger.error({ error: errorMessage(e) }, 'cannot build the processor for the current table; keeping the running one');
        this.seenVersion = version;
        return;
      }
      const shape = next ? (this.options.shape ?? defaultShape)(next) : '';
      this.seenVersion = version;
      if (shape === this.shape && (next !== undefined) === (this.current !== undefined) && !this.failed) return;
      this.failed = undefined; // a failed start is tried again when the topics change
      const before = this.current;
      if (before) {
        this.logger.info({ inputs: Object.keys(next?.inputs ?? {}).length }, 'topics changed: restarting the processor');
        await before.stop();
        this.current = undefined;
        this.restarts += 1;
      }
      this.shape = shape;
      if (!next) {
        this.logger.info({}, 'nothing to run (no topics)');
        return;
      }
      const runtime = new StreamsRuntime(next, { ...this.options.config, registry: this.registry });
      this.current = runtime;
      try {
        await runtime.start();
      } catch (e) {
        this.failed = e instanceof Error ? e : new Error(String(e));
        this.logger.error({ error: errorMessage(e) }, 'processor did not start');
        this.options.config.onFatalError?.(this.failed);
      }
    });
  }
}
