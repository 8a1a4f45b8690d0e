// volume create|ls|inspect|rm|prune, worded as docker's.
import { connect } from '../connect.js';
import { confirm, filterFlags, keyValues } from '../filters.js';
import { formatList, humanSize, labelList, table, withLabelMethod } from '../format.js';
import { forEach, inspectEach } from '../output.js';
import { invalidArgument } from '../../errors.js';

export async function volumeCreate(name: string | undefined, opts: { name?: string; driver?: string; label?: string[]; opt?: string[] }): Promise<number> {
  if (name && opts.name && name !== opts.name) throw invalidArgument(`conflicting options: either specify --name or provide positional arg, not both`);
  const client = await connect();
  const out = await client.createVolume({ Name: name ?? opts.name ?? '', Driver: opts.driver ?? 'local', DriverOpts: keyValues(opts.opt), Labels: keyValues(opts.label) });
  process.stdout.write(`${out.Name}\n`);
  return 0;
}

const VOLUME_HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE',
};

export async function volumeLs(opts: { quiet?: boolean; filter?: string[]; format?: string }): Promise<number> {
  const client = await connect();
  const list = (await client.listVolumes(filterFlags(opts.filter))).Volumes.sort((a, b) => a.Name.localeCompare(b.Name));
  if (opts.quiet) {
    for (const v of list) process.stdout.write(`${v.Name}\n`);
    return 0;
  }
  if (opts.format !== undefined) {
    // docker's list has no usage data: Links and Size print N/A there too
    const items = list.map((v) => withLabelMethod({
      Name: v.Name, Driver: v.Driver, Scope: v.Scope ?? 'local', Mountpoint: v.Mountpoint, Labels: labelList(v.Labels), Links: 'N/A', Size: 'N/A',
    }, v.Labels));
    const text = await formatList(opts.format, items, VOLUME_HEADERS);
    if (text !== undefined) { process.stdout.write(text); return 0; }
  }
  process.stdout.write(table([['DRIVER', 'VOLUME NAME'], ...list.map((v) => [v.Driver, v.Name])]));
  return 0;
}

export async function volumeInspect(names: string[], opts: { format?: string }): Promise<number> {
  const client = await connect();
  return inspectEach(names, (n) => client.inspectVolume(n), opts.format);
}

export async function volumeRm(names: string[], opts: { force?: boolean }): Promise<number> {
  const client = await connect();
  return forEach(names, async (n) => { await client.removeVolume(n, !!opts.force); process.stdout.write(`${n}\n`); });
}

export async function volumePrune(opts: { force?: boolean; all?: boolean; filter?: string[] }): Promise<number> {
  const filters = filterFlags(opts.filter);
  if (opts.all) filters.all = ['true'];
  if (!opts.force) {
    const what = opts.all ? 'all local volumes' : 'anonymous local volumes';
    if (!(await confirm(`WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue?`))) return 0;
  }
  const client = await connect();
  const out = await client.pruneVolumes(filters);
  const deleted = out.VolumesDeleted ?? [];
  if (deleted.length) process.stdout.write(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(out.SpaceReclaimed)}\n`);
  return 0;
}
