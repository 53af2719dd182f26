import { lastEndedPeriod, periodBounds, type PeriodGranularity } from '@clearance/domain';

const GRANULARITIES: ReadonlyArray<PeriodGranularity> = ['MONTH', 'DAY'];

/**
 * The period `clearance close-period` closes: the one given (YYYYMM or YYYYMMDD), or with
 * `--last-ended MONTH|DAY` the latest one that has ended at `nowMs` in China time (what a
 * scheduler such as the Kubernetes CronJob in deploy/k8s runs). Exactly one of the two.
 */
export function closePeriodArgument(
  period: string | undefined,
  lastEnded: string | undefined,
  nowMs: number,
): string {
  if (period !== undefined && lastEnded !== undefined)
    throw new Error('close-period: give a period or --last-ended, not both');
  if (lastEnded !== undefined) {
    const granularity = lastEnded.toUpperCase() as PeriodGranularity;
    if (!GRANULARITIES.includes(granularity))
      throw new Error(`close-period: --last-ended takes MONTH or DAY, not ${JSON.stringify(lastEnded)}`);
    return lastEndedPeriod(nowMs, { granularity });
  }
  if (period === undefined)
    throw new Error('close-period: give a period (YYYYMM or YYYYMMDD) or --last-ended MONTH|DAY');
  periodBounds(period); // RangeError with the reason when it is neither YYYYMM nor YYYYMMDD
  return period;
}
