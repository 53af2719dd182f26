import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../logger';
import { scrubErrorText } from '../pii';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export const KAFKA_LOG_LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/**
 * Error responses kafkajs logs at error level although they are routine and handled: a
 * transaction's markers still being written (retried), heartbeats answered "rebalancing" (the
 * runner rejoins and says so at warn), topics created concurrently by another instance.
 */
const ROUTINE_ANYWHERE = [/CONCURRENT_TRANSACTIONS/, /another concurrent operation on the same transaction/];
const ROUTINE_RESPONSES = [/Topic creation errors/, /The group is rebalancing/, /REBALANCE_IN_PROGRESS/];

/**
 * Drops what could carry records from a kafkajs log entry: a failed response's raw payload and
 * a Fetch response's records (logged under KAFKAJS_DEBUG_PROTOCOL_BUFFERS /
 * KAFKAJS_DEBUG_EXTENDED_PROTOCOL_BUFFERS), and scrubs the error texts kafkajs copies from an
 * exception thrown inside `eachBatch` (`error`, `stack`): documents hold personal data (pii.ts).
 */
function withoutRecordContent(message: string, fields: Record<string, unknown>): void {
  if (fields.payload !== undefined) fields.payload = '[filtered]';
  if (fields.buffer !== undefined) fields.buffer = '[filtered]';
  if (fields.data !== undefined && typeof fields.data !== 'string' && /^Response Fetch/.test(message))
    fields.data = '[filtered]';
  if (typeof fields.error === 'string') fields.error = scrubErrorText(fields.error);
  if (typeof fields.stack === 'string') fields.stack = scrubErrorText(fields.stack);
}

/** Routes kafkajs's logs into a pino-compatible logger (component=kafkajs), quieting routine retries. */
export function kafkaLogCreator(logger: Logger): logCreator {
  const base = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log as { message: string } & Record<string, unknown>;
      const text = `${namespace ? `[${namespace}] ` : ''}${message}`;
      const fields = { ...extra };
      delete (fields as Record<string, unknown>).timestamp;
      delete (fields as Record<string, unknown>).logger;
      withoutRecordContent(message, fields);
      const matches = (res: RegExp[]) =>
        res.some((re) => re.test(message) || re.test(String(extra.error ?? '')));
      const routine = matches(ROUTINE_ANYWHERE) || (namespace === 'Connection' && matches(ROUTINE_RESPONSES));
      if (routine || level >= logLevel.DEBUG) base.debug(fields, text);
      else if (namespace === 'Runner' && /rebalancing, re-joining/.test(message)) base.info(fields, text);
      else if (level === logLevel.ERROR) base.error(fields, text);
      else if (level === logLevel.WARN) base.warn(fields, text);
      else base.info(fields, text);
    };
}
