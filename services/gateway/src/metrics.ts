import { Counter, Registry } from 'prom-client';

/** The gateway's counters, at GET /metrics (Prometheus text). */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Requests to POST /ceb by message type and outcome (answered, format-error, forbidden, unauthenticated, too-large, unavailable). */
  readonly messages = new Counter({
    name: 'gateway_messages_total',
    help: 'CEB messages received, by message type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  /** Business nodes by outcome: published, duplicate, guid-reused, refused. */
  readonly nodes = new Counter({
    name: 'gateway_nodes_total',
    help: 'business nodes answered, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly returns = new Counter({
    name: 'gateway_returns_served_total',
    help: 'returns served by GET /ceb/returns',
    registers: [this.registry],
  });
}
