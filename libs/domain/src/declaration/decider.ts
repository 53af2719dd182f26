import type { DeclarationLine, PeriodClose, SummaryDeclaration } from '@clearance/contracts';
import { formatDecimal, parseDecimal } from '../common/decimal';
import { hashParts } from '../common/ids';
import { addToPeriod, summaryLines, type PeriodAccumulation, type RebateRefs } from './aggregate';
import { closes, periodBounds } from './period';

/**
 * Summary declaration (汇总申报) per declaration key:
 *
 *   LineReceived(line)   a cleared export list joins the accumulation of its period;
 *   PeriodClosed(close)  every accumulation of a period up to the closed one is declared.
 *
 * Periods already declared for this key take late lines into a new accumulation, declared at
 * the next PeriodClose of any period as an AMENDMENT (sequence 1, 2, ...) of that period — never
 * into another period. Publishing the same PeriodClose again therefore flushes amendments.
 * A period closed while the key had nothing in it (`ctx.closedThrough`: the latest period the
 * processor has seen closed) is late too: the key's first lines of it become AMENDMENT sequence 1
 * (there is no original for it: the close found nothing to declare), filed at the next close.
 * declarationNo = SD + period + hash(key) + sequence: stable under replay.
 */

export type DeclarationCommand =
  { type: 'LineReceived'; line: DeclarationLine; at: number } | { type: 'PeriodClosed'; close: PeriodClose };

export interface DeclarationState {
  key: string;
  /** Not yet declared, by period: open periods and late lines of declared ones. */
  pending: Record<string, PeriodAccumulation>;
  /**
   * The next declaration's sequence per period once the period is closed for this key: 1 after
   * the original, +1 per amendment; 1 also for a period that closed before the key had any line
   * in it (its late lines are an amendment). A few bytes per period, kept.
   */
  declared: Record<string, number>;
  /** invtNos already declared, for the most recent declared periods only (duplicate detection). */
  declaredInvtNos: Record<string, string[]>;
}

export type DeclarationEvent =
  | { type: 'LineAdded'; line: DeclarationLine; late: boolean; at: number }
  | { type: 'LineIgnored'; invtNo: string; period: string; note: string; at: number }
  | { type: 'Declared'; declaration: SummaryDeclaration; problems: string[] };

export interface DeclarationConfig {
  /** How many declared periods keep their invtNo lists for duplicate detection. */
  retainDeclaredInvtNoPeriods: number;
}
export const DEFAULT_DECLARATION_CONFIG: DeclarationConfig = { retainDeclaredInvtNoPeriods: 3 };

export interface DeclarationContext {
  /** Commodity rebate rates and customs exchange rates, read at close time. */
  refs: RebateRefs;
  config?: Partial<DeclarationConfig>;
  /**
   * The latest period the processor has seen closed (a PeriodClose closes it and every earlier
   * period of its granularity); undefined when none. Tells a late line of a key that has no
   * declaration of its period from one that is on time.
   */
  closedThrough?: string;
}

const emptyDeclarationState = (key: string): DeclarationState => ({
  key,
  pending: {},
  declared: {},
  declaredInvtNos: {},
});

/** declarationNo: SD + period + 12 hex of sha256(key) + 2-digit sequence. */
export const declarationNo = (key: string, period: string, sequence: number): string =>
  `SD${period}${hashParts('declaration', key).slice(0, 12).toUpperCase()}${String(sequence).padStart(2, '0')}`;

// ---------------------------------------------------------------------------------- decide
export function decideDeclaration(
  cmd: DeclarationCommand,
  state: DeclarationState | undefined,
  ctx: DeclarationContext,
): DeclarationEvent[] {
  if (cmd.type === 'LineReceived') return onLine(cmd.line, cmd.at, state, ctx.closedThrough);
  const s = state;
  if (!s) return [];
  const due = Object.values(s.pending)
    .filter((acc) => s.declared[acc.period] !== undefined || closes(cmd.close.period, acc.period))
    .sort((a, b) => (a.period < b.period ? -1 : 1));
  return due.map((acc) => declare(s.key, acc, s.declared[acc.period] ?? 0, cmd.close, ctx.refs));
}

function onLine(
  line: DeclarationLine,
  at: number,
  s: DeclarationState | undefined,
  closedThrough: string | undefined,
): DeclarationEvent[] {
  const ignore = (note: string): DeclarationEvent[] => [
    { type: 'LineIgnored', invtNo: line.invtNo, period: line.period, note, at },
  ];
  if (s && s.key !== line.declarationKey) return ignore(`line for ${line.declarationKey} routed to ${s.key}`);
  if (
    s?.pending[line.period]?.invtNos.includes(line.invtNo) ||
    s?.declaredInvtNos[line.period]?.includes(line.invtNo)
  ) {
    return ignore(`list ${line.invtNo} already in period ${line.period}`);
  }
  const late =
    s?.declared[line.period] !== undefined ||
    (closedThrough !== undefined && closes(closedThrough, line.period));
  return [{ type: 'LineAdded', line, late, at }];
}

function declare(
  key: string,
  acc: PeriodAccumulation,
  sequence: number,
  close: PeriodClose,
  refs: RebateRefs,
): DeclarationEvent {
  const { lines, problems } = summaryLines(acc, refs);
  const sum = (xs: string[]): string => formatDecimal(xs.reduce((a, x) => a + parseDecimal(x), 0n));
  const h = acc.header;
  const declaration: SummaryDeclaration = {
    declarationNo: declarationNo(key, acc.period, sequence),
    declarationKey: key,
    period: acc.period,
    sequence,
    kind: sequence === 0 ? 'ORIGINAL' : 'AMENDMENT',
    ebcCode: h.ebcCode,
    ebcName: h.ebcName,
    ownerCode: h.summaryFlag === '2' ? h.ownerCode : null,
    summaryFlag: h.summaryFlag,
    statisticsFlag: h.statisticsFlag,
    tradeMode: h.tradeMode,
    trafMode: h.trafMode,
    country: h.country,
    portCode: h.portCode,
    customsCode: h.customsCode,
    ...periodBounds(acc.period),
    listCount: acc.invtNos.length,
    grossWeight: acc.grossWeight,
    netWeight: acc.netWeight,
    totalFobCny: sum(lines.map((l) => l.fobCny)),
    totalRebateCny: sum(lines.map((l) => l.rebateAmount)),
    closedAt: close.closedAt,
    invtNos: [...acc.invtNos],
    lines,
  };
  return { type: 'Declared', declaration, problems };
}

// ---------------------------------------------------------------------------------- evolve
export function evolveDeclaration(
  state: DeclarationState | undefined,
  e: DeclarationEvent,
  config: Partial<DeclarationConfig> = {},
): DeclarationState | undefined {
  switch (e.type) {
    case 'LineIgnored':
      return state;
    case 'LineAdded': {
      const s = state ?? emptyDeclarationState(e.line.declarationKey);
      const p = e.line.period;
      return {
        ...s,
        pending: { ...s.pending, [p]: addToPeriod(s.pending[p], e.line) },
        // late into a period the close found empty for this key: what comes is an amendment
        declared: e.late && s.declared[p] === undefined ? { ...s.declared, [p]: 1 } : s.declared,
      };
    }
    case 'Declared': {
      const s = state ?? emptyDeclarationState(e.declaration.declarationKey);
      const p = e.declaration.period;
      const { [p]: _done, ...pending } = s.pending;
      void _done;
      const retain = { ...DEFAULT_DECLARATION_CONFIG, ...config }.retainDeclaredInvtNoPeriods;
      const invtNos = {
        ...s.declaredInvtNos,
        [p]: [...(s.declaredInvtNos[p] ?? []), ...e.declaration.invtNos],
      };
      const kept = Object.keys(invtNos).sort().slice(-retain);
      return {
        ...s,
        pending,
        declared: { ...s.declared, [p]: e.declaration.sequence + 1 },
        declaredInvtNos: Object.fromEntries(kept.map((k) => [k, invtNos[k]])),
      };
    }
  }
}

// ---------------------------------------------------------------------------------- handle
export interface DeclarationResult {
  state: DeclarationState | undefined;
  events: DeclarationEvent[];
  declarations: SummaryDeclaration[];
  /** Ignored duplicates, late lines headed for an amendment, missing exchange rates. */
  notes: string[];
}

export function declarationNotes(e: DeclarationEvent): string[] {
  switch (e.type) {
    case 'LineIgnored':
      return [e.note];
    case 'LineAdded':
      return e.late
        ? [
            `list ${e.line.invtNo} departed in declared period ${e.line.period}: goes into an amendment at the next period close`,
          ]
        : [];
    case 'Declared':
      return e.problems;
  }
}

/** One step for a stream processor keyed by declaration key (PeriodClosed: call it for every key of the partition). */
export function handleDeclaration(
  state: DeclarationState | undefined,
  cmd: DeclarationCommand,
  ctx: DeclarationContext,
): DeclarationResult {
  const events = decideDeclaration(cmd, state, ctx);
  const next = events.reduce<DeclarationState | undefined>(
    (s, e) => evolveDeclaration(s, e, ctx.config),
    state,
  );
  return {
    state: next,
    events,
    declarations: events.flatMap((e) => (e.type === 'Declared' ? [e.declaration] : [])),
    notes: events.flatMap(declarationNotes),
  };
}
