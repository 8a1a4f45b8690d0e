// version.
import { connect } from '../connect.js';
import { humanDuration, humanSize } from '../format.js';
import type { SystemDfBody } from '../../wire/api-types.js';
import { version as cliVersion } from '../../version.js';

export async function versionCommand(): Promise<number> {
  process.stdout.write(`Client:\n Version:           ${cliVersion()}\n API version:       1.43\n Node version:      ${process.version}\n OS/Arch:           linux/${process.arch === 'x64' ? 'amd64' : process.arch}\n\n`);
  const client = await connect({ autostart: false });
  const v = await client.version();
  process.stdout.write(`Server:\n Engine:\n  Version:          ${v.Version}\n  API version:      ${v.ApiVersion} (minimum version ${v.MinAPIVersion})\n  Kernel version:   ${v.KernelVersion}\n  OS/Arch:          ${v.Os}/${v.Arch}\n`);
  return 0;
}

/** `minidock info`: docker info's main lines. */
export async function infoCommand(opts: { format?: string }): Promise<number> {
  const client = await connect();
  const i = await client.info();
  if (opts.format) {
    const { renderTemplate } = await import('../template.js');
    process.stdout.write(`${renderTemplate(opts.format, i)}\n`);
    return 0;
  }
  const lines = [
    'Server:',
    ` Containers: ${i.Containers}`, `  Running: ${i.ContainersRunning}`, `  Paused: ${i.ContainersPaused}`, `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`, ` Server Version: ${i.ServerVersion}`, ` Storage Driver: ${i.Driver}`, ` Logging Driver: ${i.LoggingDriver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`, ` Security Options:`, ...(i.SecurityOptions as string[]).map((s) => `  ${s}`),
    ` Kernel Version: ${i.KernelVersion}`, ` Operating System: ${i.OperatingSystem}`, ` OSType: ${i.OSType}`, ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`, ` Total Memory: ${humanBinary(Number(i.MemTotal))}`, ` Name: ${i.Name}`, ` ID: ${i.ID}`, ` Docker Root Dir: ${i.DockerRootDir}`,
    ` Live Restore Enabled: ${i.LiveRestoreEnabled}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function humanBinary(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(2).replace(/\.?0+$/, '')}${units[u]}`;
}

/** `minidock events`: docker's line format, or --format; --since/--until as docker's CLI reads them. */
export async function eventsCommand(opts: { since?: string; until?: string; filter?: string[]; format?: string }): Promise<number> {
  const { sinceParam } = await import('../../wire/since.js');
  const { invalidArgument } = await import('../../errors.js');
  const now = Date.now();
  const filters: Record<string, string[]> = {};
  for (const f of opts.filter ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw invalidArgument(`bad format of filter (expected name=value): ${f}`);
    (filters[f.slice(0, i)] ??= []).push(f.slice(i + 1));
  }
  const client = await connect();
  const render = opts.format ? (await import('../template.js')).renderTemplate : undefined;
  for await (const ev of client.events({ since: opts.since && sinceParam(opts.since, now), until: opts.until && sinceParam(opts.until, now), filters })) {
    if (render) { process.stdout.write(`${render(opts.format!, ev)}\n`); continue; }
    const actor = ev.Actor as { ID: string; Attributes: Record<string, string> };
    const attrs = Object.keys(actor.Attributes).sort().map((k) => `${k}=${actor.Attributes[k]}`).join(', ');
    const t = BigInt(Math.round(Number(ev.timeNano)));
    const iso = new Date(Number(t / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, `.${(t % 1_000_000_000n).toString().padStart(9, '0')}Z`);
    process.stdout.write(`${iso} ${ev.Type} ${ev.Action} ${actor.ID}${attrs ? ` (${attrs})` : ''}\n`);
  }
  return 0;
}

/** One row of `system df`, docker's fields (cli/command/formatter/disk_usage.go). */
interface DfRow { Type: string; TotalCount: string; Active: string; Size: string; Reclaimable: string }

const DF_HEADERS: Record<keyof DfRow, string> = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

function reclaim(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize(reclaimable)} (${Math.floor((reclaimable * 100) / total)}%)` : humanSize(reclaimable);
}

export function dfRows(df: SystemDfBody): DfRow[] {
  const usedImages = df.Images.filter((i) => i.Containers > 0);
  const imagesUsed = usedImages.reduce((n, i) => n + i.Size - Math.max(i.SharedSize, 0), 0) + (usedImages.length ? Math.max(0, ...usedImages.map((i) => i.SharedSize)) : 0);
  const ctrSize = df.Containers.reduce((n, c) => n + c.SizeRw, 0);
  const ctrIdle = df.Containers.filter((c) => c.State !== 'running').reduce((n, c) => n + c.SizeRw, 0);
  const volSize = df.Volumes.reduce((n, v) => n + Math.max(v.UsageData?.Size ?? 0, 0), 0);
  const volIdle = df.Volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((n, v) => n + Math.max(v.UsageData?.Size ?? 0, 0), 0);
  return [
    { Type: 'Images', TotalCount: String(df.Images.length), Active: String(usedImages.length), Size: humanSize(df.LayersSize), Reclaimable: reclaim(Math.max(df.LayersSize - imagesUsed, 0), df.LayersSize) },
    { Type: 'Containers', TotalCount: String(df.Containers.length), Active: String(df.Containers.filter((c) => c.State === 'running').length), Size: humanSize(ctrSize), Reclaimable: reclaim(ctrIdle, ctrSize) },
    { Type: 'Local Volumes', TotalCount: String(df.Volumes.length), Active: String(df.Volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), Size: humanSize(volSize), Reclaimable: reclaim(volIdle, volSize) },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
  ];
}

/** `minidock system df [-v] [--format]`: docker's table of what images, containers and volumes take. */
export async function systemDfCommand(opts: { verbose?: boolean; format?: string }): Promise<number> {
  const client = await connect();
  const df = await client.systemDf();
  const rows = dfRows(df);
  const { formatList, table } = await import('../format.js');
  const text = opts.format === undefined ? undefined : await formatList(opts.format, rows, DF_HEADERS);
  if (text !== undefined) { process.stdout.write(text); return 0; }
  if (!opts.verbose) {
    process.stdout.write(table([Object.values(DF_HEADERS), ...rows.map((r) => [r.Type, r.TotalCount, r.Active, r.Size, r.Reclaimable])]));
    return 0;
  }
  const now = Date.now();
  const ago = (s: number) => `${humanDuration(now - s * 1000)} ago`;
  process.stdout.write(`Images space usage:\n\n${table([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
    ...df.Images.map((i) => {
      const [repo, tag] = splitRepoTag(i.RepoTags[0]);
      return [repo, tag, i.Id.replace(/^sha256:/, '').slice(0, 12), ago(i.Created), humanSize(i.Size), humanSize(Math.max(i.SharedSize, 0)), humanSize(i.Size - Math.max(i.SharedSize, 0)), String(i.Containers)];
    })])}\n`);
  process.stdout.write(`Containers space usage:\n\n${table([['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
    ...df.Containers.map((c) => [c.Id.slice(0, 12), c.Image, JSON.stringify(c.Command.length > 20 ? `${c.Command.slice(0, 19)}…` : c.Command), '0', humanSize(c.SizeRw), ago(c.Created), c.Status, c.Names.map((n) => n.replace(/^\//, '')).join(',')])])}\n`);
  process.stdout.write(`Local Volumes space usage:\n\n${table([['VOLUME NAME', 'LINKS', 'SIZE'], ...df.Volumes.map((v) => [v.Name, String(v.UsageData?.RefCount ?? 0), humanSize(Math.max(v.UsageData?.Size ?? 0, 0))])])}\n`);
  process.stdout.write('Build cache usage: 0B\n');
  return 0;
}

function splitRepoTag(ref: string | undefined): [string, string] {
  if (!ref) return ['<none>', '<none>'];
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, '<none>'];
}
