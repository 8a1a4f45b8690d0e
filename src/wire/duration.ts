// Go's time.Duration as text, the one codec: `time.ParseDuration` ("1m30s", "1.5s", "500ms",
// "0") for flags and `logs --since`, and `Duration.String()` ("1m30s", "1.5s", "500ms", "0s")
// for the words docker prints (a healthcheck's "exceeded timeout (30s)"). Values are ns.

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration in ns, or undefined when `text` is not one (a bare "0" is one, as in Go). */
export function parseGoDuration(text: string): number | undefined {
  if (/^[+-]?0$/.test(text)) return 0;
  const m = /^([+-]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
  if (!m) return undefined;
  let ns = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ns += Number(part[1]) * UNIT_NS[part[2]!]!;
  ns = Math.round(ns);
  return m[1] === '-' ? -ns : ns;
}

/** Digits of `n / 10^scale` with trailing zeros dropped ("1.5", "2"). */
function fraction(n: number, scale: number): string {
  const div = 10 ** scale;
  const whole = Math.trunc(n / div);
  const rest = String(n % div).padStart(scale, '0').replace(/0+$/, '');
  return rest ? `${whole}.${rest}` : String(whole);
}

/** Go's Duration.String() for a whole number of ns. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const v = Math.abs(Math.trunc(ns));
  if (v < 1e3) return `${sign}${v}ns`;
  if (v < 1e6) return `${sign}${fraction(v, 3)}µs`;
  if (v < 1e9) return `${sign}${fraction(v, 6)}ms`;
  const h = Math.trunc(v / 3600e9);
  const m = Math.trunc((v % 3600e9) / 60e9);
  const s = fraction(v % 60e9, 9);
  if (h) return `${sign}${h}h${m}m${s}s`;
  if (m) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
