import {
  Topics,
  waybillKey,
  type Codecs,
  type Manifest,
  type RuleSet,
  type WatchlistEntry,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  defineProcessor,
  jsonSerde,
  silentLogger,
  stringSerde,
  type GlobalTable,
  type Logger,
} from '@clearance/streams';
import type { RiskConfig } from './config';

export interface RiskDeps {
  codecs: Codecs;
  config: RiskConfig;
  logger?: Logger;
}

/** Key of an exchange rate on ref.exchange-rate.v1 (Topics.exchangeRate: `{currency}:{period}`). */
export const exchangeRateKey = (currency: string, period: string): string => `${currency}:${period}`;

/**
 * Risk screening as a stream processor: each list on clearance.manifest.v1 (keyed by its
 * riskKey: the buyer key for import, the order key for export) is screened by the domain against
 * the rule set in force and the reference data (global tables), and the Decision goes to
 * clearance.decision.v1 keyed by the waybill key. The buyer's yearly import total is state in
 * the `buyer-years` store under the buyer key.
 *
 * The rule set is read from its global table for every list, so a newly published set applies
 * from the next list on, without a restart; every decision names the version that produced it.
 * Receipts of the decision (800 / 500 / 300 / 100) are the lifecycle processor's: the domain
 * builds them when the decision reaches the parcel's lifecycle, so they are not sent twice.
 */
export function riskProcessor(deps: RiskDeps) {
  const { codecs, config } = deps;
  const log = deps.logger ?? silentLogger;
  /** What was last logged about the rule set in use (logging only; never part of a decision). */
  let announced: string | undefined;

  function ruleSetInForce(table: GlobalTable<RuleSet>): RuleSet {
    const published = table.get(config.ruleSetKey);
    const ruleSet = published ?? D.DEFAULT_RULE_SET;
    const tag = `${published ? 'published' : 'default'}:${ruleSet.version}`;
    if (tag !== announced) {
      announced = tag;
      const problems = D.validateRuleSet(ruleSet);
      if (!published)
        log.warn(
          { ruleSetVersion: ruleSet.version, topic: Topics.ruleSet.name, key: config.ruleSetKey },
          'no rule set published: screening with the domain default rule set',
        );
      else log.info({ ruleSetVersion: ruleSet.version, rules: ruleSet.rules.length }, 'rule set in force');
      if (problems.length > 0)
        log.error(
          { ruleSetVersion: ruleSet.version, problems },
          'rule set has problems (unknown kinds are skipped)',
        );
    }
    return ruleSet;
  }

  /** The watchlist's index, built on first use after each change of the table (not once per list). */
  let watchIndex: { version: number; refs: D.RiskRefs } | undefined;
  function watchIndexOf(table: GlobalTable<WatchlistEntry>): D.RiskRefs {
    if (watchIndex?.version !== table.version)
      watchIndex = { version: table.version, refs: D.riskRefsFrom({ watchlist: [...table.values()] }) };
    return watchIndex.refs;
  }

  return defineProcessor({
    name: config.applicationId,
    inputs: {
      [Topics.manifest.name]: { key: stringSerde, value: codecs.serde(Topics.manifest) },
    },
    outputs: {
      [Topics.decision.name]: { key: stringSerde, value: codecs.serde(Topics.decision) },
    },
    stores: {
      /** BuyerYearState per buyer key (import lists only). */
      'buyer-years': { value: jsonSerde<D.BuyerYearState>() },
    },
    globals: {
      enterprises: { topic: Topics.enterprise.name, value: codecs.serde(Topics.enterprise) },
      commodities: { topic: Topics.commodity.name, value: codecs.serde(Topics.commodity) },
      watchlist: { topic: Topics.watchlist.name, value: codecs.serde(Topics.watchlist) },
      exchangeRates: { topic: Topics.exchangeRate.name, value: codecs.serde(Topics.exchangeRate) },
      ruleSets: { topic: Topics.ruleSet.name, value: codecs.serde(Topics.ruleSet) },
    },

    process(record, ctx) {
      const manifest = record.value as Manifest;
      if (record.key !== manifest.riskKey) {
        // the buyer-year state lives under the riskKey: a list under another key would count elsewhere
        return ctx.reject(`record key is not the list's riskKey (list ${manifest.invtNo})`, {
          code: 'KEY_MISMATCH',
        });
      }
      const enterprises = ctx.global('enterprises');
      const commodities = ctx.global('commodities');
      const rates = ctx.global('exchangeRates');
      const watchlist = ctx.global('watchlist');
      const refs: D.RiskRefs = {
        enterprise: (code) => enterprises.get(code),
        commodity: (gcode) => commodities.get(gcode),
        exchangeRate: (currency, period) => rates.get(exchangeRateKey(currency, period)),
        watchlist: (type, subject) => watchIndexOf(watchlist).watchlist(type, subject),
      };

      const years = ctx.store('buyer-years');
      const imports = manifest.ieFlag === 'I';
      const before = imports ? years.get(record.key) : undefined;
      const screening = D.screen(manifest, refs, ruleSetInForce(ctx.global('ruleSets')), before);
      if (imports && screening.buyerYear && screening.buyerYear !== before)
        years.put(record.key, screening.buyerYear);
      const decision = D.buildDecision(manifest, screening, record.timestamp);
      ctx.emit(Topics.decision.name, waybillKey(manifest), decision);
    },
  });
}

export type RiskDefinition = ReturnType<typeof riskProcessor>;
