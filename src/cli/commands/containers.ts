// stop, kill, restart, rm, wait, ps, logs, inspect, port, exec.
import { MinidockError, invalidArgument } from '../../errors.js';
import { connect } from '../connect.js';
import { filterFlags } from '../filters.js';
import { containerStatus, formatCommand, formatList, formatPorts, goTime, humanDuration, labelList, psRows, table, withLabelMethod } from '../format.js';
import { forEach } from '../output.js';
// ps and inspect (read-only, issue 14: near `node -e 0`) load only what they use: the stream
// and template modules below are imported by the commands that need them
// (template.js, wire/stdcopy.js, wire/since.js, attach-io.js).

export async function stopCommand(ids: string[], opts: { time?: string }): Promise<number> {
  const client = await connect();
  const t = opts.time === undefined ? undefined : Number(opts.time);
  return forEach(ids, async (id) => { await client.stop(id, t); process.stdout.write(`${id}\n`); });
}

export async function restartCommand(ids: string[], opts: { time?: string }): Promise<number> {
  const client = await connect();
  const t = opts.time === undefined ? undefined : Number(opts.time);
  return forEach(ids, async (id) => { await client.restart(id, t); process.stdout.write(`${id}\n`); });
}

export async function renameCommand(container: string, name: string): Promise<number> {
  const client = await connect();
  await client.rename(container, name);
  return 0;
}

export async function killCommand(ids: string[], opts: { signal?: string }): Promise<number> {
  const client = await connect();
  return forEach(ids, async (id) => { await client.kill(id, opts.signal); process.stdout.write(`${id}\n`); });
}

export async function rmCommand(ids: string[], opts: { force?: boolean; volumes?: boolean }): Promise<number> {
  const client = await connect();
  return forEach(ids, async (id) => { await client.remove(id, !!opts.force, !!opts.volumes); process.stdout.write(`${id}\n`); });
}

export async function waitCommand(ids: string[]): Promise<number> {
  const client = await connect();
  return forEach(ids, async (id) => { process.stdout.write(`${(await client.wait(id).result).StatusCode}\n`); });
}

/** docker's ps --format fields and their column names. */
const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
  State: 'STATE', Status: 'STATUS', Names: 'NAMES', Labels: 'LABELS', Networks: 'NETWORKS', Mounts: 'MOUNTS',
};

export async function psCommand(opts: { all?: boolean; quiet?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<number> {
  const client = await connect();
  const filters = filterFlags(opts.filter);
  // docker: a filter on status (other than running) implies -a
  const list = await client.listContainers(!!opts.all || Object.keys(filters).length > 0, filters);
  if (opts.quiet) {
    for (const c of list) process.stdout.write(`${opts.noTrunc ? c.Id : c.Id.slice(0, 12)}\n`);
    return 0;
  }
  const now = Date.now();
  const rows = list.map((c) => {
    const detail = (c as unknown as { StateDetail?: { ExitCode: number; StartedAt: string; FinishedAt: string; Health?: string } }).StateDetail;
    // Recompute the wording with our clock (the engine's Status was computed a moment ago).
    const Status = detail ? containerStatus({ status: c.State, exitCode: detail.ExitCode, startedAt: detail.StartedAt, finishedAt: detail.FinishedAt, health: detail.Health }, now) : c.Status;
    return { ...c, Status };
  });
  if (opts.format !== undefined) {
    const items = rows.map((c) => {
      const labels = (c as unknown as { Labels?: Record<string, string> }).Labels ?? {};
      const mode = (c as unknown as { HostConfig?: { NetworkMode?: string } }).HostConfig?.NetworkMode ?? '';
      return withLabelMethod({
        ID: opts.noTrunc ? c.Id : c.Id.slice(0, 12), Image: c.Image, Command: JSON.stringify(formatCommand(c.Command, !!opts.noTrunc)),
        CreatedAt: goTime(c.Created * 1000),
        RunningFor: `${humanDuration(Math.max(0, now - c.Created * 1000))} ago`, Ports: formatPorts(c.Ports), State: c.State, Status: c.Status,
        Names: c.Names.map((n) => n.replace(/^\//, '')).join(','), Labels: labelList(labels),
        Networks: mode === 'default' ? 'bridge' : mode, Mounts: '',
      }, labels);
    });
    const text = await formatList(opts.format, items, PS_HEADERS);
    if (text !== undefined) { process.stdout.write(text); return 0; }
  }
  process.stdout.write(table(psRows(rows, { noTrunc: !!opts.noTrunc, now })));
  return 0;
}

export async function logsCommand(id: string, opts: { follow?: boolean; tail?: string; timestamps?: boolean; since?: string; until?: string }): Promise<number> {
  const [{ sinceParam }, { FrameDecoder }] = await Promise.all([import('../../wire/since.js'), import('../../wire/stdcopy.js')]);
  const since = opts.since === undefined ? undefined : sinceParam(opts.since, Date.now());
  const until = opts.until === undefined ? undefined : sinceParam(opts.until, Date.now());
  const client = await connect();
  const res = await client.logs(id, { follow: opts.follow, tail: opts.tail, timestamps: opts.timestamps, since, until });
  const multiplexed = String(res.headers['content-type'] ?? '').includes('multiplexed');
  const decoder = new FrameDecoder();
  for await (const chunk of res) {
    if (!multiplexed) { process.stdout.write(chunk as Buffer); continue; }
    for (const f of decoder.push(chunk as Buffer)) (f.stream === 2 ? process.stderr : process.stdout).write(f.payload);
  }
  return 0;
}

export async function inspectCommand(names: string[], opts: { format?: string; type?: string }): Promise<number> {
  const client = await connect();
  const found: unknown[] = [];
  let code = 0;
  for (const name of names) {
    try {
      found.push(await inspectOne(client, name, opts.type));
    } catch (err) {
      if (!(err instanceof MinidockError) || err.status !== 404) throw err;
      process.stderr.write(`Error: No such object: ${name}\n`);
      code = 1;
    }
  }
  if (opts.format !== undefined) {
    const { renderTemplate } = await import('../template.js');
    for (const obj of found) process.stdout.write(renderTemplate(opts.format, obj) + '\n');
  } else {
    process.stdout.write(JSON.stringify(found, null, 4) + '\n');
  }
  return code;
}

async function inspectOne(client: Awaited<ReturnType<typeof connect>>, name: string, type?: string): Promise<unknown> {
  const tries: (() => Promise<unknown>)[] = [];
  if (!type || type === 'container') tries.push(() => client.inspectContainer(name));
  if (!type || type === 'image') tries.push(() => client.inspectImage(name));
  if (!type || type === 'network') tries.push(() => client.inspectNetwork(name));
  let last: unknown;
  for (const t of tries) {
    try { return await t(); } catch (err) {
      if (!(err instanceof MinidockError) || err.status !== 404) throw err;
      last = err;
    }
  }
  throw last;
}

export async function portCommand(id: string, privatePort?: string): Promise<number> {
  const client = await connect();
  const info = await client.inspectContainer(id);
  const ports = (info.NetworkSettings?.Ports ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>;
  if (privatePort) {
    const key = privatePort.includes('/') ? privatePort : `${privatePort}/tcp`;
    const list = ports[key];
    if (!list?.length) throw invalidArgument(`no public port '${key}' published for ${id}`);
    for (const b of list) process.stdout.write(`${b.HostIp}:${b.HostPort}\n`);
    return 0;
  }
  const keys = Object.keys(ports).sort((a, b) => parseInt(a) - parseInt(b));
  for (const k of keys) for (const b of ports[k] ?? []) process.stdout.write(`${k} -> ${b.HostIp}:${b.HostPort}\n`);
  return 0;
}

export async function execCommand(id: string, command: string[], opts: { interactive?: boolean; tty?: boolean; user?: string; workdir?: string; env?: string[]; detach?: boolean; detachKeys?: string }): Promise<number> {
  const { pipeAttached } = await import('../attach-io.js');
  const client = await connect();
  const env = (opts.env ?? []).flatMap((e) => (e.includes('=') ? [e] : process.env[e] !== undefined ? [`${e}=${process.env[e]}`] : []));
  const { Id: execId } = await client.execCreate(id, {
    Cmd: command, Env: env, User: opts.user ?? '', WorkingDir: opts.workdir ?? '', Tty: !!opts.tty,
    AttachStdin: !!opts.interactive && !opts.detach, AttachStdout: !opts.detach, AttachStderr: !opts.detach, DetachKeys: opts.detachKeys,
  });
  if (opts.detach) {
    await client.execStartDetached(execId);
    return 0;
  }
  const { socket, head } = await client.execStart(execId, !!opts.tty);
  const how = await pipeAttached({ socket, head, tty: !!opts.tty, stdin: !!opts.interactive, detachKeys: opts.detachKeys, resize: (h, w) => client.execResize(execId, h, w) });
  if (how === 'detached') return 0;
  const info = await client.execInspect(execId);
  return info.ExitCode ?? 0;
}
