import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Startable } from './threads';

/**
 * Runs stream processors (our exactly-once runtime) as a NestJS microservice transport.
 * Written over the runtime rather than by subclassing ServerKafka (which consumes message by
 * message, has no transactions and renames consumer groups): group ids are exactly what the
 * configuration says. There are no message patterns: the processor definitions are the handlers.
 */
export class StreamsTransport extends Server implements CustomTransportStrategy {
  private started = false;

  constructor(private readonly runtimes: ReadonlyArray<Startable>) {
    super();
  }

  async listen(callback: (err?: unknown, info?: unknown) => void): Promise<void> {
    const started: Startable[] = [];
    try {
      for (const runtime of this.runtimes) {
        started.push(runtime);
        await runtime.start();
      }
      this.started = true;
      callback();
    } catch (e) {
      // leave the groups of the runtimes already started, so no member lingers for a session timeout
      await Promise.allSettled(started.map((r) => r.stop()));
      callback(e);
    }
  }

  /** Stops intake, finishes or aborts open transactions, leaves the groups. */
  async close(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all(this.runtimes.map((r) => r.stop()));
  }

  on(): never {
    throw new Error('StreamsTransport has no event listeners: processors are declared as definitions');
  }

  unwrap<T>(): T {
    return this.runtimes as unknown as T;
  }
}
