import { Controller, Get, Header, Inject, Module, DynamicModule } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { MetricsSource, RuntimeStatus } from './threads';

export const STREAMS_RUNTIMES = Symbol('STREAMS_RUNTIMES');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * Liveness: every runtime's loop is alive (heartbeat or batch within the session timeout, or a
 * rebalance under way). Readiness: every group joined and every assigned task restored and
 * running. Lag is for alerts, never for liveness.
 */
@Controller('health')
export class StreamsHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(STREAMS_RUNTIMES) private readonly runtimes: () => ReadonlyArray<RuntimeStatus>,
  ) {}

  private check(kind: 'alive' | 'ready') {
    return this.runtimes().map((runtime) => async () => {
      const name = runtime.name;
      const ok = kind === 'alive' ? runtime.isAlive() : runtime.isReady();
      const assignment = runtime.assignment();
      const details = {
        generation: assignment.generation,
        tasks: assignment.tasks.map((t) => `${t.task}:${t.phase}`),
      };
      return ok ? this.indicator.check(name).up(details) : this.indicator.check(name).down(details);
    });
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check(this.check('alive'));
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.check('ready'));
  }
}

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: MetricsSource) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Health (terminus) and Prometheus metrics endpoints for a set of runtimes. */
@Module({})
export class StreamsOpsModule {
  /** `runtimes`: the processors' status, read at each request (stream threads report theirs). */
  static forRuntimes(runtimes: () => ReadonlyArray<RuntimeStatus>, registry: MetricsSource): DynamicModule {
    return {
      module: StreamsOpsModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [StreamsHealthController, MetricsController],
      providers: [
        { provide: STREAMS_RUNTIMES, useValue: runtimes },
        { provide: METRICS_REGISTRY, useValue: registry },
      ],
      exports: [STREAMS_RUNTIMES, METRICS_REGISTRY],
    };
  }
}
