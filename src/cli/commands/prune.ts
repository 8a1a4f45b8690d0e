// container prune, image prune, network prune, system prune: docker's questions, lists and
// "Total reclaimed space" (volume prune is in volumes.ts).
import { connect } from '../connect.js';
import { confirm, filterFlags } from '../filters.js';
import { humanSize } from '../format.js';

interface PruneOpts { force?: boolean; filter?: string[] }

async function asked(force: boolean | undefined, warning: string): Promise<boolean> {
  return !!force || confirm(`WARNING! This will remove:\n${warning}\nAre you sure you want to continue?`);
}

export async function containerPrune(opts: PruneOpts): Promise<number> {
  if (!(await asked(opts.force, '  - all stopped containers'))) return 0;
  const out = await (await connect()).pruneContainers(filterFlags(opts.filter));
  const gone = out.ContainersDeleted ?? [];
  if (gone.length) process.stdout.write(`Deleted Containers:\n${gone.map((id) => `${id}\n`).join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(out.SpaceReclaimed)}\n`);
  return 0;
}

export async function imagePrune(opts: PruneOpts & { all?: boolean }): Promise<number> {
  const what = opts.all ? '  - all images without at least one container associated to them' : '  - all dangling images';
  if (!(await asked(opts.force, what))) return 0;
  const filters = filterFlags(opts.filter);
  if (opts.all) filters.dangling = ['false'];
  const out = await (await connect()).pruneImages(filters);
  const lines = (out.ImagesDeleted ?? []).map((d) => (d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
  if (lines.length) process.stdout.write(`Deleted Images:\n${lines.map((l) => `${l}\n`).join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(out.SpaceReclaimed)}\n`);
  return 0;
}

export async function networkPrune(opts: PruneOpts): Promise<number> {
  if (!(await asked(opts.force, '  - all networks not used by at least one container'))) return 0;
  const out = await (await connect()).pruneNetworks(filterFlags(opts.filter));
  const gone = out.NetworksDeleted ?? [];
  if (gone.length) process.stdout.write(`Deleted Networks:\n${gone.map((n) => `${n}\n`).join('')}`);
  return 0;
}

/** docker system prune: stopped containers, unused networks, dangling (or with -a all unused) images, and with --volumes anonymous volumes. */
export async function systemPrune(opts: PruneOpts & { all?: boolean; volumes?: boolean }): Promise<number> {
  const what = [
    '  - all stopped containers', '  - all networks not used by at least one container',
    ...(opts.volumes ? ['  - all anonymous volumes not used by at least one container'] : []),
    opts.all ? '  - all images without at least one container associated to them' : '  - all dangling images',
    '  - unused build cache',
  ].join('\n');
  if (!(await asked(opts.force, what))) return 0;
  const client = await connect();
  const filters = filterFlags(opts.filter);
  const c = await client.pruneContainers(filters);
  if (c.ContainersDeleted?.length) process.stdout.write(`Deleted Containers:\n${c.ContainersDeleted.map((id) => `${id}\n`).join('')}\n`);
  const n = await client.pruneNetworks(filters);
  if (n.NetworksDeleted?.length) process.stdout.write(`Deleted Networks:\n${n.NetworksDeleted.map((x) => `${x}\n`).join('')}\n`);
  let reclaimed = c.SpaceReclaimed;
  if (opts.volumes) {
    const v = await client.pruneVolumes(filters);
    if (v.VolumesDeleted?.length) process.stdout.write(`Deleted Volumes:\n${v.VolumesDeleted.map((x) => `${x}\n`).join('')}\n`);
    reclaimed += v.SpaceReclaimed;
  }
  const i = await client.pruneImages({ ...filters, ...(opts.all ? { dangling: ['false'] } : {}) });
  const lines = (i.ImagesDeleted ?? []).map((d) => (d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
  if (lines.length) process.stdout.write(`Deleted Images:\n${lines.map((l) => `${l}\n`).join('')}\n`);
  reclaimed += i.SpaceReclaimed;
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
