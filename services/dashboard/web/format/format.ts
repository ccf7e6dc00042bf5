import { Decimal } from '@crypto-invest/money';

// Formatting for people. Values stay exact Decimals until here; rounding happens only in the
// text shown, never in what is stored or sent. Output is en-US style (1,234.56), written by hand
// so no figure passes through a float on its way to the screen.

const MINUS = '\u2212';

/** `1234567.891` → `1,234,567.891`: thousands separators on the integer part, the rest untouched. */
export function groupThousands(plain: string): string {
  const negative = plain.startsWith('-');
  const unsigned = negative ? plain.slice(1) : plain;
  const [integer = '0', fraction] = unsigned.split('.');
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? MINUS : '') + grouped + (fraction !== undefined ? `.${fraction}` : '');
}

const CENT = new Decimal('0.01');

/**
 * Two decimals for ordinary USD figures; below one cent, 4 significant digits so a tiny value
 * reads `0.000008123` rather than `0.00` (and never `8.123e-6`).
 */
function usdPlain(value: Decimal): string {
  if (!value.isZero() && value.abs().lessThan(CENT)) return value.toPrecision(4, Decimal.ROUND_HALF_UP);
  return value.toFixed(2, Decimal.ROUND_HALF_UP);
}

/** A USD figure (invested, value, P/L): `$1,234.57`, `$0.66`, tiny ones `$0.000008123`. */
export function formatUsd(value: Decimal): string {
  const text = groupThousands(usdPlain(value));
  return text.startsWith(MINUS) ? `${MINUS}$${text.slice(1)}` : `$${text}`;
}

/** A price per coin: 2 decimals from $1 up, otherwise 4 significant digits: `$0.6601`, `$0.000006440`. */
export function formatPriceUsd(value: Decimal): string {
  const text = value.abs().lessThan(1) && !value.isZero()
    ? groupThousands(value.toPrecision(4, Decimal.ROUND_HALF_UP))
    : groupThousands(value.toFixed(2, Decimal.ROUND_HALF_UP));
  return text.startsWith(MINUS) ? `${MINUS}$${text.slice(1)}` : `$${text}`;
}

/** A signed USD change: `+$12.34`, `−$0.50`, `$0.00`. */
export function formatSignedUsd(value: Decimal): string {
  const text = formatUsd(value);
  if (value.isZero() || text === '$0.00') return '$0.00';
  return value.isNegative() ? text : `+${text}`;
}

/** A coin amount exactly as held (every digit), grouped: `1,000`, `0.123456789012345678`. */
export function formatAmount(value: Decimal): string {
  return groupThousands(value.isZero() ? '0' : value.toFixed());
}

/** A fraction as a percentage: 0.1234 → `12.34%`. */
export function formatFractionAsPercent(fraction: Decimal, decimals = 2): string {
  return formatPercent(fraction.times(100), decimals);
}

/** A figure already in percent: 12.345 → `12.35%`. */
export function formatPercent(percent: Decimal, decimals = 2): string {
  return `${groupThousands(percent.toFixed(decimals, Decimal.ROUND_HALF_UP))}%`;
}

/** A signed percentage: `+12.35%`, `−3.00%`. */
export function formatSignedPercent(percent: Decimal, decimals = 2): string {
  const text = formatPercent(percent, decimals);
  if (/^[−-]?0\.0*%$/.test(text)) return text.replace(MINUS, '');
  return percent.isNegative() ? text : `+${text}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time in the browser's time zone: `2021-03-05 14:03`. */
export function formatDateTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A UTC day (`2021-03-05`) for chart labels: `5 Mar 2021`. */
export function formatDay(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  if (!match) return day;
  return `${Number(match[3])} ${MONTHS[Number(match[2]) - 1]} ${match[1]}`;
}

/** A chart axis figure, compact: `$950`, `$12.5k`, `$3.2M`. Only for axes: the figures themselves use formatUsd. */
export function formatUsdCompact(value: number): string {
  const abs = Math.abs(value);
  const sign = value < 0 ? MINUS : '';
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) {
    if (abs >= size) return `${sign}$${trimZeros((abs / size).toFixed(abs / size < 100 ? 1 : 0))}${suffix}`;
  }
  return `${sign}$${trimZeros(abs.toFixed(abs < 10 ? 2 : 0))}`;
}

const trimZeros = (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);
