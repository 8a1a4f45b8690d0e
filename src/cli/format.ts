// Pure formatters for CLI output, shaped like docker's (go-units HumanDuration/HumanSize,
// text/tabwriter with minwidth 10, padding 3). Unit-tested; nothing here does I/O.
import { humanDuration, humanSize } from '../api/human.js';

export { humanDuration, humanSize, formatG, containerStatus } from '../api/human.js';

/** Like text/tabwriter(minwidth 10, tabwidth 1, padding 3): every column but the last is padded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? 10, [...cell].length + 3);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('').trimEnd())
    .join('\n') + (rows.length ? '\n' : '');
}

export interface PortSummary { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }

/** docker ps PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp" (sorted like docker: by private port). */
export function formatPorts(ports: PortSummary[]): string {
  const sorted = [...ports].sort((a, b) => a.PrivatePort - b.PrivatePort || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || a.Type.localeCompare(b.Type));
  return sorted
    .map((p) => (p.PublicPort ? `${p.IP || '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .join(', ');
}

/** East Asian wide/fullwidth characters take two terminal columns (x/text/width, main blocks). */
function charWidth(ch: string): number {
  const c = ch.codePointAt(0)!;
  const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff)
    || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf)
    || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f)
    || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f)
    || (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}

/** docker/cli formatter.Ellipsis: at most `max` display columns, the last one being '…' when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (max <= 0) return '';
  if (chars.reduce((w, ch) => w + charWidth(ch), 0) <= max) return s;
  let width = 0;
  let kept = 0;
  while (kept < chars.length && width + charWidth(chars[kept]!) <= max - 1) width += charWidth(chars[kept++]!);
  return chars.slice(0, kept).join('') + '…';
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const namedEscapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** Go's strconv.Quote: double quotes, `"` and `\` escaped, control and unprintable runes as escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (printable.test(ch)) out += ch;
    else if (namedEscapes[ch]) out += namedEscapes[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

/** docker ps COMMAND column: cut to 20 columns with an ellipsis unless --no-trunc, then Go-quoted. */
export function formatCommand(command: string, noTrunc: boolean): string {
  return goQuote(noTrunc ? command : ellipsis(command, 20));
}

export interface ContainerSummary {
  Id: string; Names: string[]; Image: string; Command: string; Created: number /* unix seconds */;
  State: string; Status: string; Ports: PortSummary[];
}

export function psRows(list: ContainerSummary[], opts: { noTrunc: boolean; now: number }): string[][] {
  const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
  return [header, ...list.map((c) => [
    opts.noTrunc ? c.Id : c.Id.slice(0, 12),
    c.Image,
    formatCommand(c.Command, opts.noTrunc),
    `${humanDuration(Math.max(0, opts.now - c.Created * 1000))} ago`,
    c.Status,
    formatPorts(c.Ports),
    c.Names.map((n) => n.replace(/^\//, '')).join(','),
  ])];
}

export interface ImageSummary { Id: string; RepoTags: string[]; Created: number; Size: number }

export function imageRows(list: ImageSummary[], now: number): string[][] {
  const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const img of list) {
    const id = img.Id.replace(/^sha256:/, '').slice(0, 12);
    const created = `${humanDuration(Math.max(0, now - img.Created * 1000))} ago`;
    const tags = img.RepoTags.length ? img.RepoTags : ['<none>:<none>'];
    for (const tag of tags) {
      const i = tag.lastIndexOf(':');
      rows.push([tag.slice(0, i), tag.slice(i + 1), id, created, humanSize(img.Size)]);
    }
  }
  return rows;
}

export interface NetworkSummary { Id: string; Name: string; Driver: string; Scope: string }

export function networkRows(list: NetworkSummary[]): string[][] {
  return [['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...list.map((n) => [n.Id.slice(0, 12), n.Name, n.Driver, n.Scope])];
}

/** docker's CreatedAt in list templates: Go's time.Time printed in UTC. */
export function goTime(unixMs: number): string {
  return new Date(unixMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC');
}

/** Labels as docker's list templates print them: k=v joined by commas. */
export function labelList(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * A template row with docker's `.Label "key"` method beside its fields: the method is the row's
 * own function, so the template engine calls it with the argument.
 */
export function withLabelMethod<T extends object>(row: T, labels: Record<string, string> | null | undefined): T & { Label: (k: unknown) => string } {
  return { ...row, Label: (k: unknown) => (labels ?? {})[String(k)] ?? '' };
}

/**
 * docker's `--format` for lists: a Go template per item; `table TEMPLATE` prints a header (each
 * {{.Field}} replaced by its column name) and aligns the columns its tabs (or `\\t`) separate.
 * `table` alone is the caller's default table (undefined is returned then).
 */
export async function formatList(format: string, items: object[], headers: Record<string, string>): Promise<string | undefined> {
  if (format === 'table') return undefined;
  const { renderTemplate } = await import('./template.js');
  const isTable = format.startsWith('table ');
  const tpl = isTable ? format.slice(6) : format;
  if (!isTable) return items.map((i) => `${renderTemplate(tpl, i)}\n`).join('');
  const head = tpl.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k: string) => headers[k] ?? k.toUpperCase());
  const split = (line: string) => line.split(/\\t|\t/);
  return table([split(renderTemplate(head, {})), ...items.map((i) => split(renderTemplate(tpl, i)))]);
}
