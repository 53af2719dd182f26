import { StreamsRuntime, type AnyProcessorDefinition, type StreamsRuntimeConfig } from '../../src';
import { connection, testLogger } from './kafka';

/** An in-process runtime with test-friendly timeouts (fast rebalances). */
export function testRuntime(
  definition: AnyProcessorDefinition,
  extra: Partial<StreamsRuntimeConfig> = {},
): StreamsRuntime {
  return new StreamsRuntime(definition, {
    ...connection(),
    logger: testLogger(definition.name),
    ...extra,
    consumer: {
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 100,
      ...(extra.consumer ?? {}),
    },
  });
}

/** Stops every runtime started through it, even when a test fails half-way. */
export class Runtimes {
  private readonly all: StreamsRuntime[] = [];

  async start(
    definition: AnyProcessorDefinition,
    extra: Partial<StreamsRuntimeConfig> = {},
  ): Promise<StreamsRuntime> {
    const runtime = testRuntime(definition, extra);
    this.all.push(runtime);
    await runtime.start();
    return runtime;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((r) => r.stop().catch(() => undefined)));
    this.all.length = 0;
  }
}
