// stats, top, pause, unpause, update.
import { invalidArgument } from '../../errors.js';
import { connect } from '../connect.js';
import { formatList, table } from '../format.js';
import { forEach } from '../output.js';
import { resourceFields, type ResourceFlags } from '../run-flags.js';
import { STATS_FIELDS, STATS_HEADER, statsFields, statsRow } from '../stats-format.js';

/** docker stats: the running containers (or those named), one table; redrawn every sample unless --no-stream. */
export async function statsCommand(ids: string[], opts: { stream?: boolean; noTrunc?: boolean; all?: boolean; format?: string }): Promise<number> {
  const client = await connect();
  const targets = async () => (ids.length ? ids : (await client.listContainers(!!opts.all)).map((c) => c.Id));
  const sample = async () => {
    const list = await targets();
    const docs = await Promise.all(list.map((id) => client.stats(id)));
    const rows = docs.map((d) => statsRow(d, opts.noTrunc));
    const text = opts.format === undefined ? undefined : await formatList(opts.format, rows.map((r, i) => statsFields(r, list[i]!)), STATS_FIELDS);
    return text ?? table([STATS_HEADER, ...rows]);
  };
  if (opts.stream === false) {
    process.stdout.write(await sample());
    return 0;
  }
  for (;;) {
    const text = await sample(); // each sample takes dockerd's one-second interval
    process.stdout.write(`\x1b[2J\x1b[H${text}`);
  }
}

export async function topCommand(id: string, psArgs: string[]): Promise<number> {
  const client = await connect();
  if (psArgs.length) {
    throw invalidArgument(`minidock does not support ps options (${psArgs.join(' ')}) yet: top always shows ps -ef's columns`);
  }
  const out = await client.top(id);
  process.stdout.write(table([out.Titles, ...out.Processes]));
  return 0;
}

export async function pauseCommand(ids: string[]): Promise<number> {
  const client = await connect();
  return forEach(ids, async (id) => { await client.pause(id); process.stdout.write(`${id}\n`); });
}

export async function unpauseCommand(ids: string[]): Promise<number> {
  const client = await connect();
  return forEach(ids, async (id) => { await client.unpause(id); process.stdout.write(`${id}\n`); });
}

export async function updateCommand(ids: string[], opts: ResourceFlags & { label?: string[] }): Promise<number> {
  const { label, ...flags } = opts;
  const body = resourceFields(flags);
  const labels: Record<string, string> = {};
  for (const l of label ?? []) {
    const i = l.indexOf('=');
    if (i === 0) throw invalidArgument(`invalid label ${l}: empty key`);
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
  }
  if (!Object.keys(body).length && !Object.keys(labels).length) {
    throw invalidArgument('you must provide one or more flags when using this command');
  }
  const client = await connect();
  return forEach(ids, async (id) => {
    if (Object.keys(body).length) {
      const out = await client.update(id, body);
      for (const w of out.Warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
    }
    // minidock's own: docker's update has no labels; they decide which network policies select it
    if (Object.keys(labels).length) await client.updateLabels(id, labels);
    process.stdout.write(`${id}\n`);
  });
}
