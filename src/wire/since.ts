// `logs --since` as docker's CLI sends it (docker's timetypes.GetTimestamp): a Go duration
// ("42m", "1h30m") counts back from now; an RFC3339 date or time (zone optional: none means
// local time, like docker) becomes "seconds.nanoseconds"; a unix timestamp ("1700000000.5")
// passes as is. The engine's reader (src/runtime/logs.ts sinceToNs) reads the result.
import { invalidArgument } from '../errors.js';
import { parseGoDuration } from './duration.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

export function sinceParam(value: string, nowMs: number): string {
  const d = value === '0' ? undefined : parseGoDuration(value);
  if (d !== undefined) return String(Math.floor((nowMs - d / 1e6) / 1000));
  if (/^\d+(\.\d{1,9})?$/.test(value)) return value;
  const m = DATE.exec(value);
  if (!m) throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
  const [y, mo, day, h = '0', mi = '0', s = '0'] = m.slice(1, 7);
  const fields = [Number(y), Number(mo) - 1, Number(day), Number(h), Number(mi), Number(s)] as const;
  let ms: number;
  if (m[8] === undefined) {
    ms = new Date(...fields).getTime();
  } else {
    ms = Date.UTC(...fields);
    if (m[8] !== 'Z' && m[8] !== 'z') {
      const sign = m[8][0] === '-' ? -1 : 1;
      ms -= sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60_000;
    }
  }
  if (Number.isNaN(ms)) throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
  const secs = Math.floor(ms / 1000);
  return `${secs}.${(m[7] ?? '').padEnd(9, '0')}`;
}
