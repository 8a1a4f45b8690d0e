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

/** docker ps COMMAND column: quoted, truncated to 20 chars with an ellipsis unless --no-trunc. */
export function formatCommand(command: string, noTrunc: boolean): string {
  const chars = [...command];
  const shown = !noTrunc && chars.length > 20 ? chars.slice(0, 19).join('') + '…' : command;
  return `"${shown}"`;
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
