export type DailyBucket = 'day' | 'week' | 'month';

/** Most points `auto` lets the series have: a chart's width, and a /stats body that stays small at any table size. */
export const MAX_AUTO_POINTS = 366;

const DAY_MS = 86_400_000;

/**
 * The bucket for the invested-over-time series: days while the portfolio spans at
 * most a year, weeks up to seven years, months beyond. The series' length then
 * depends on the time span only — never on the number of investments.
 */
export function chooseBucket(firstDay: string | undefined, lastDay: string | undefined, maxPoints = MAX_AUTO_POINTS): DailyBucket {
  if (!firstDay || !lastDay) return 'day';
  const days = Math.floor((Date.parse(lastDay) - Date.parse(firstDay)) / DAY_MS) + 1;
  if (days <= maxPoints) return 'day';
  if (Math.ceil(days / 7) + 1 <= maxPoints) return 'week';
  return 'month';
}
