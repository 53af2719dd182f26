import type * as T from './generated/types';

/**
 * The one place that names topics: each topic with its value type (from the schemas), the Avro
 * record it carries, what its key is, and whether it is a compacted table.
 * Keys are plain UTF-8 strings (see keys.ts); values are Avro, subject `<topic>-value`.
 */
export interface TopicSpec<V> {
  readonly name: string;
  /** Full Avro name of the value schema. */
  readonly schema: string;
  /** What the key is, in words (docs and error messages). */
  readonly key: string;
  /** Compacted reference/state topic (a global table), or an event stream. */
  readonly compacted: boolean;
  /** Phantom field carrying the value type; never set. */
  readonly __value?: V;
}

const spec = <V>(name: string, record: string, key: string, compacted = false): TopicSpec<V> => ({
  name,
  schema: `cn.clearance.${record}`,
  key,
  compacted,
});

export const Topics = {
  order: spec<T.Order>('ceb.order.v1', 'Order', 'order key'),
  payment: spec<T.Payment>('ceb.payment.v1', 'Payment', 'order key'),
  waybill: spec<T.Waybill>('ceb.waybill.v1', 'Waybill', 'order key'),
  departure: spec<T.Departure>('ceb.departure.v1', 'Departure', 'departure key'),
  list: spec<T.FiledList>('ceb.list.v1', 'FiledList', 'order key'),
  inspection: spec<T.InspectionResult>('customs.inspection.v1', 'InspectionResult', 'waybill key'),
  receipt: spec<T.Receipt>('clearance.receipt.v1', 'Receipt', 'order key (waybill key when no order is known)'),
  manifest: spec<T.Manifest>('clearance.manifest.v1', 'Manifest', 'buyer key (import) / order key (export)'),
  decision: spec<T.Decision>('clearance.decision.v1', 'Decision', 'waybill key'),
  taxBill: spec<T.TaxBill>('clearance.tax-bill.v1', 'TaxBill', 'waybill key'),
  departureLine: spec<T.DepartureLine>('clearance.departure-line.v1', 'DepartureLine', 'waybill key'),
  cleared: spec<T.ClearedParcel>('clearance.cleared.v1', 'ClearedParcel', 'waybill key'),
  declarationLine: spec<T.DeclarationLine>('declaration.lines.v1', 'DeclarationLine', 'declaration key'),
  summary: spec<T.SummaryDeclaration>('declaration.summary.v1', 'SummaryDeclaration', 'declaration key'),
  periodClose: spec<T.PeriodClose>('control.period.v1', 'PeriodClose', 'period id, sent to every partition'),
  enterprise: spec<T.Enterprise>('ref.enterprise.v1', 'Enterprise', 'enterprise code', true),
  commodity: spec<T.Commodity>('ref.commodity.v1', 'Commodity', 'gcode', true),
  exchangeRate: spec<T.ExchangeRate>('ref.exchange-rate.v1', 'ExchangeRate', '{currency}:{period}', true),
  watchlist: spec<T.WatchlistEntry>('ref.watchlist.v1', 'WatchlistEntry', 'entry id', true),
  ruleSet: spec<T.RuleSet>('risk.rules.v1', 'RuleSet', 'rule set id', true),
  participant: spec<T.RegisteredParticipant>('ref.participant.v1', 'RegisteredParticipant', '{role}:{code}', true),
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics]['name'];
export type ValueOf<S> = S extends TopicSpec<infer V> ? V : never;

export const allTopics: ReadonlyArray<TopicSpec<unknown>> = Object.values(Topics);

/** Dead-letter topic of a topic: bytes that did not decode or records rejected by validation. */
export const dlqTopic = (topic: string): string => `${topic}.dlq`;

/** Schema-registry subject of a topic's values (TopicNameStrategy). */
export const valueSubject = (topic: string): string => `${topic}-value`;

export function topicByName(name: string): TopicSpec<unknown> {
  const t = allTopics.find((s) => s.name === name);
  if (!t) throw new Error(`unknown topic ${name}`);
  return t;
}
