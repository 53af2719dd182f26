import {
  Topics,
  type ClearedParcel,
  type Codecs,
  type Commodity,
  type DeclarationLine,
  type ExchangeRate,
  type PeriodClose,
  type SummaryDeclaration,
} from '@clearance/contracts';
import {
  declarationLineOf,
  handleDeclaration,
  type DeclarationConfig as DomainDeclarationConfig,
  type DeclarationState,
  type PeriodGranularity,
  type RebateRefs,
} from '@clearance/domain';
import {
  defineProcessor,
  jsonSerde,
  silentLogger,
  stringSerde,
  type Logger,
  type Serde,
} from '@clearance/streams';

/**
 * Summary declaration (汇总申报) as two processors, thin over the domain:
 *
 *  1. re-key:     clearance.cleared.v1 (waybill key) -> declaration.lines.v1 (declaration key),
 *                 export parcels only (`declarationLineOf`);
 *  2. aggregator: declaration.lines.v1 + control.period.v1 (co-partitioned; every period close is
 *                 published to every partition) -> declaration.summary.v1, state per declaration
 *                 key in a changelogged store, plus an index store of the keys that have something
 *                 pending, so a close visits only those keys of the task, and the latest period
 *                 each granularity has seen closed (`closed`), so that a key's first line of an
 *                 already closed period goes into an amendment, not an original.
 */

/** Topic names as literal types (the processor's record union is discriminated on them). */
export const DECLARATION_TOPICS = {
  cleared: 'clearance.cleared.v1',
  lines: 'declaration.lines.v1',
  periodClose: 'control.period.v1',
  summary: 'declaration.summary.v1',
  commodity: 'ref.commodity.v1',
  exchangeRate: 'ref.exchange-rate.v1',
} as const satisfies Record<string, string>;

export interface DeclarationServiceConfig {
  /** Declaration period: calendar month (default) or day (demos). One deployment, one granularity. */
  granularity: PeriodGranularity;
  /** Application id of the re-key processor (group id, transactional ids). */
  rekeyApplicationId: string;
  /** Application id of the aggregator (group id, transactional ids, changelog names). */
  aggregatorApplicationId: string;
  /** Domain knobs (how many declared periods keep their invtNo lists for duplicate detection). */
  domain?: Partial<DomainDeclarationConfig>;
}

export const DEFAULT_DECLARATION_SERVICE_CONFIG: DeclarationServiceConfig = {
  granularity: 'MONTH',
  rekeyApplicationId: 'declaration-rekey',
  aggregatorApplicationId: 'declaration',
};

export interface DeclarationProcessorDeps {
  codecs: Codecs;
  config?: Partial<DeclarationServiceConfig>;
  /** Where domain notes go (late lists, ignored duplicates, missing exchange rates). */
  logger?: Logger;
}

const settings = (deps: DeclarationProcessorDeps): DeclarationServiceConfig => ({
  ...DEFAULT_DECLARATION_SERVICE_CONFIG,
  ...deps.config,
});

/** Store value: the declaration keys of a task with pending accumulations, and their periods. */
export interface OpenDeclarationKey {
  periods: string[];
}

const PERIOD_ID = /^\d{6}(\d{2})?$/;

/** clearance.cleared.v1 -> declaration.lines.v1, keyed by declaration key (import parcels give nothing). */
export function declarationRekeyProcessor(deps: DeclarationProcessorDeps) {
  const cfg = settings(deps);
  const { codecs } = deps;
  return defineProcessor({
    name: cfg.rekeyApplicationId,
    inputs: {
      [DECLARATION_TOPICS.cleared]: {
        key: stringSerde,
        value: codecs.serde(Topics.cleared) as Serde<ClearedParcel>,
      },
    } as const,
    outputs: {
      [DECLARATION_TOPICS.lines]: {
        key: stringSerde,
        value: codecs.serde(Topics.declarationLine) as Serde<DeclarationLine>,
      },
    } as const,
    process(record, ctx) {
      const cleared = record.value;
      if (!/^\d{14}$/.test(cleared.leaveTime))
        return ctx.reject(`leaveTime ${JSON.stringify(cleared.leaveTime)} is not YYYYMMDDhhmmss`, {
          code: 'INVALID_FIELD',
        });
      const line = declarationLineOf(cleared, { granularity: cfg.granularity });
      if (line) ctx.emit(DECLARATION_TOPICS.lines, line.declarationKey, line);
    },
  });
}

/**
 * declaration.lines.v1 + control.period.v1 -> declaration.summary.v1. Stores: `declarations`
 * (declaration key -> DeclarationState) and `open` (declaration key -> pending periods). Globals:
 * `commodity` (rebate rates) and `exchangeRate` (customs rates, key `{currency}:{period}`).
 */
export function declarationAggregatorProcessor(deps: DeclarationProcessorDeps) {
  const cfg = settings(deps);
  const { codecs } = deps;
  const logger = deps.logger ?? silentLogger;
  const domainConfig = cfg.domain;
  return defineProcessor({
    name: cfg.aggregatorApplicationId,
    inputs: {
      [DECLARATION_TOPICS.lines]: {
        key: stringSerde,
        value: codecs.serde(Topics.declarationLine) as Serde<DeclarationLine>,
      },
      [DECLARATION_TOPICS.periodClose]: {
        key: stringSerde,
        value: codecs.serde(Topics.periodClose) as Serde<PeriodClose>,
      },
    } as const,
    outputs: {
      [DECLARATION_TOPICS.summary]: {
        key: stringSerde,
        value: codecs.serde(Topics.summary) as Serde<SummaryDeclaration>,
      },
    } as const,
    stores: {
      declarations: { value: jsonSerde<DeclarationState>() },
      open: { value: jsonSerde<OpenDeclarationKey>() },
      /** The latest period closed, per granularity (key: its id length, 6 or 8): a late line's test. */
      closed: { value: stringSerde },
    },
    globals: {
      commodity: {
        topic: DECLARATION_TOPICS.commodity,
        value: codecs.serde(Topics.commodity) as Serde<Commodity>,
      },
      exchangeRate: {
        topic: DECLARATION_TOPICS.exchangeRate,
        value: codecs.serde(Topics.exchangeRate) as Serde<ExchangeRate>,
      },
    },
    process(record, ctx) {
      const states = ctx.store('declarations');
      const open = ctx.store('open');
      const closed = ctx.store('closed');
      const commodities = ctx.global('commodity');
      const rates = ctx.global('exchangeRate');
      const refs: RebateRefs = {
        commodity: (gcode) => commodities.get(gcode),
        exchangeRate: (currency, period) => rates.get(`${currency}:${period}`),
      };

      /** Saves a key's state and keeps the index of keys with pending periods in step. */
      const save = (key: string, state: DeclarationState | undefined) => {
        if (state) states.put(key, state);
        else states.delete(key);
        const periods = Object.keys(state?.pending ?? {}).sort();
        if (periods.length > 0) open.put(key, { periods });
        else if (open.has(key)) open.delete(key);
      };
      const report = (key: string, notes: string[]) => {
        if (notes.length > 0) logger.info({ declarationKey: key, notes }, 'declaration notes');
      };

      if (record.topic === DECLARATION_TOPICS.lines) {
        const line = record.value;
        if (record.key !== line.declarationKey)
          return ctx.reject(`line keyed ${record.key} carries declaration key ${line.declarationKey}`, {
            code: 'KEY_MISMATCH',
          });
        if (!PERIOD_ID.test(line.period))
          return ctx.reject(`period ${JSON.stringify(line.period)} is neither YYYYMM nor YYYYMMDD`, {
            code: 'INVALID_FIELD',
          });
        const r = handleDeclaration(
          states.get(record.key),
          { type: 'LineReceived', line, at: record.timestamp },
          { refs, config: domainConfig, closedThrough: closed.get(String(line.period.length)) },
        );
        save(record.key, r.state);
        report(record.key, r.notes);
        for (const d of r.declarations) ctx.emit(DECLARATION_TOPICS.summary, d.declarationKey, d);
        return;
      }

      // a period close: every key of this task with something pending, in key order (the store's
      // iteration order depends on restore history; the output order must not)
      const close = record.value;
      if (!PERIOD_ID.test(close.period))
        return ctx.reject(`period ${JSON.stringify(close.period)} is neither YYYYMM nor YYYYMMDD`, {
          code: 'INVALID_FIELD',
        });
      const granularity = String(close.period.length);
      const closedBefore = closed.get(granularity);
      if (closedBefore === undefined || closedBefore < close.period) closed.put(granularity, close.period);
      const keys = [...open.entries()].map(([k]) => k).sort();
      for (const key of keys) {
        const r = handleDeclaration(
          states.get(key),
          { type: 'PeriodClosed', close },
          { refs, config: domainConfig, closedThrough: closed.get(granularity) },
        );
        save(key, r.state);
        report(key, r.notes);
        for (const d of r.declarations) ctx.emit(DECLARATION_TOPICS.summary, d.declarationKey, d);
      }
    },
  });
}

/** Both processors of the service. */
export function declarationProcessors(deps: DeclarationProcessorDeps) {
  return [declarationRekeyProcessor(deps), declarationAggregatorProcessor(deps)] as const;
}
