// docker's go-units wording for durations and sizes, and the ps STATUS text. Pure; used by
// the API (Status field) and the CLI (columns).

/** Go's %.<p>g: shortest of %e/%f at p significant digits, trailing zeros removed. */
export function formatG(value: number, precision: number): string {
  const s = value.toPrecision(precision);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  const trim = (x: string) => (x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x);
  if (m) return `${trim(m[1]!)}e${m[2]}${m[3]!.padStart(2, '0')}`;
  return trim(s);
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(bytes: number, base: number, units: string[], digits: number): string {
  let size = bytes;
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${formatG(size, digits)}${units[i]}`;
}

/** go-units HumanSize: decimal units, 3 significant digits ("4.26MB"). */
export function humanSize(bytes: number): string { return scaled(bytes, 1000, DECIMAL_UNITS, 3); }

/** go-units BytesSize: binary units, 4 significant digits ("16MiB", "1.953KiB"). */
export function bytesSize(bytes: number): string { return scaled(bytes, 1024, BINARY_UNITS, 4); }

/** go-units HumanDuration for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** STATUS wording computed from state and timestamps, docker-style. */
export function containerStatus(s: { status: string; exitCode: number; startedAt?: string; finishedAt?: string; health?: string }, now: number): string {
  const since = (iso?: string) => humanDuration(Math.max(0, now - Date.parse(iso ?? '')));
  switch (s.status) {
    // docker: "Up 5 seconds (healthy)", "(unhealthy)", "(health: starting)"
    case 'running': return `Up ${since(s.startedAt)}${!s.health ? '' : s.health === 'starting' ? ' (health: starting)' : ` (${s.health})`}`;
    case 'paused': return `Up ${since(s.startedAt)} (Paused)`;
    case 'exited': return `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case 'restarting': return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case 'created': return 'Created';
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
    default: return s.status;
  }
}

