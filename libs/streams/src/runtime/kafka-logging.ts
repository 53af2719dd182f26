import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../logger';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export const KAFKA_LOG_LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** Expected while a transaction's markers are still being written; kafkajs retries them. */
const ROUTINE = [/CONCURRENT_TRANSACTIONS/, /another concurrent operation on the same transaction/, /Topic creation errors/];

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
      const routine = ROUTINE.some((re) => re.test(message) || re.test(String(extra.error ?? '')));
      if (routine || level >= logLevel.DEBUG) base.debug(fields, text);
      else if (level === logLevel.ERROR) base.error(fields, text);
      else if (level === logLevel.WARN) base.warn(fields, text);
      else base.info(fields, text);
    };
}
