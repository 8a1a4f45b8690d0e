// version.
import { connect } from '../connect.js';
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
