import { scrubErrorText } from './pii';

/** Options of a rejection: a machine-readable code and details for the receipt / DLQ headers. */
export interface RejectionOptions {
  /** Short machine-readable code, e.g. `INVALID_AMOUNT`; written as the `dlq.code` header. */
  code?: string;
  /** Anything the `onDeadLetter` hook needs to build a receipt (not written to the DLQ). */
  details?: unknown;
}

/**
 * The value a processor returns to reject its input record: the record goes to `<topic>.dlq`
 * (with `dlq.reason`) and the definition's `onDeadLetter` hook runs; anything the processor
 * stored or emitted for that record is discarded.
 */
export class Rejection {
  readonly code?: string;
  readonly details?: unknown;
  constructor(
    readonly reason: string,
    options: RejectionOptions = {},
  ) {
    this.code = options.code;
    this.details = options.details;
  }
}

/** Builds a {@link Rejection}; `return reject('negative amount')` from `process`. */
export function reject(reason: string, options?: RejectionOptions): Rejection {
  return new Rejection(reason, options);
}

/** Thrown from `process` (at any depth) to reject the input record; same effect as returning a {@link Rejection}. */
export class RejectedRecord extends Error {
  readonly rejection: Rejection;
  constructor(reason: string, options: RejectionOptions = {}) {
    super(reason);
    this.name = 'RejectedRecord';
    this.rejection = new Rejection(reason, options);
  }
}

/**
 * Whether an error says the record cannot be judged *now* (a dependency is away: the schema
 * registry that knows a writer schema, for one) rather than that the record is bad. A serde
 * throws one with `transient: true`; the runtime then retries the task from its committed
 * position after a backoff instead of dead-lettering the record.
 */
export function isTransient(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true;
}

/** Invalid processor definition, configuration or topic layout (e.g. co-partitioned inputs with different partition counts). */
export class StreamsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamsConfigError';
  }
}

/**
 * @internal An error's message for dead-letter reasons, health and log fields: without personal
 * data (pii.ts `scrubErrorText`), since an exception from a serde or a processor may quote the
 * document it failed on.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return scrubErrorText(error.message || error.name);
  return scrubErrorText(String(error));
}
