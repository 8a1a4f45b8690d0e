// run, create, start, attach: the commands that may stay attached to a container's stdio.
import fs from 'node:fs';
import type { EngineClient } from '../../api/client.js';
import { MinidockError, conflict, invalidArgument } from '../../errors.js';
import { buildCreateBody, type RunFlags } from '../run-flags.js';
import { connect } from '../connect.js';
// attach-io and progress load only when a run attaches or pulls (a detached run of a local image needs neither)
import { forEach, withDefaultTag } from '../output.js';

async function pullQuietlyToStderr(client: EngineClient, image: string): Promise<void> {
  const { ProgressPrinter } = await import('../progress.js');
  const printer = new ProgressPrinter(process.stderr);
  await client.pull(withDefaultTag(image), (p) => printer.handle(p));
}

/** docker's CLI: `seccomp=FILE` goes to the engine as the profile's JSON, compacted. */
function readSeccompFile(opt: string): string {
  const m = /^seccomp[=:](.+)$/.exec(opt);
  if (!m || m[1] === 'unconfined') return opt;
  let text: string;
  try { text = fs.readFileSync(m[1]!, 'utf8'); } catch (err) { throw invalidArgument(`opening seccomp profile (${m[1]}) failed: ${(err as Error).message}`); }
  try { return `seccomp=${JSON.stringify(JSON.parse(text))}`; } catch (err) { throw invalidArgument(`compacting json for seccomp profile (${m[1]}) failed: ${(err as Error).message}`); }
}

/** Create, pulling the image first when the engine does not have it (docker run/create). */
async function createWithPull(client: EngineClient, image: string, command: string[], flags: RunFlags & { detachKeys?: string }): Promise<string> {
  const body = buildCreateBody(image, command, {
    ...flags,
    cwd: process.cwd(),
    envFileContents: (flags as { envFile?: string[] }).envFile?.map((f) => fs.readFileSync(f, 'utf8')),
    labelFileContents: (flags as { labelFile?: string[] }).labelFile?.map((f) => fs.readFileSync(f, 'utf8')),
    securityOpt: flags.securityOpt?.map(readSeccompFile),
  }, process.env);
  try {
    return (await client.createContainer(body, flags.name)).Id;
  } catch (err) {
    if (!(err instanceof MinidockError) || err.code !== 'ImageNotFound') throw err;
  }
  process.stderr.write(`Unable to find image '${withDefaultTag(image)}' locally\n`);
  await pullQuietlyToStderr(client, image);
  return (await client.createContainer(body, flags.name)).Id;
}

/** Forward SIGINT/SIGTERM to the container as kill (docker's sig-proxy, non-tty only). */
function proxySignals(client: EngineClient, id: string): () => void {
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const).map((sig) => {
    // as docker's sig-proxy: a signal for a container that has just ended is dropped, the exit follows
    const h = () => { client.kill(id, sig).catch(() => undefined); };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => { for (const [sig, h] of handlers) process.off(sig, h); };
}

/** Attach, register the wait, start, stream, and return the container's exit code. */
async function runAttached(client: EngineClient, id: string, opts: { tty: boolean; stdin: boolean; autoRemove: boolean; detachKeys?: string; command: string }): Promise<number> {
  const io = import('../attach-io.js'); // loads while the requests go
  // both registered before the start, on two connections at once
  const wait = client.wait(id, opts.autoRemove ? 'removed' : 'next-exit');
  const [{ socket, head }] = await Promise.all([
    client.attach(id, { stdin: opts.stdin, stdout: true, stderr: true, detachKeys: opts.detachKeys }),
    wait.registered,
  ]);
  let started!: (ok: boolean) => void;
  const startedP = new Promise<boolean>((r) => (started = r));
  const { pipeAttached } = await io;
  const piping = pipeAttached({
    socket, head, tty: opts.tty, stdin: opts.stdin, detachKeys: opts.detachKeys,
    resize: (h, w) => client.resize(id, h, w), started: startedP,
  });
  try {
    await client.start(id);
    started(true);
  } catch (err) {
    started(false);
    socket.destroy();
    throw err;
  }
  const unproxy = opts.tty ? () => undefined : proxySignals(client, id);
  const how = await piping;
  if (how === 'detached') { unproxy(); return 0; }
  const status = await wait.result;
  unproxy();
  // docker words it so (in its log line); the exit status is still the one the engine reported
  if (status.Error?.Message) process.stderr.write(`Error waiting for container: ${status.Error.Message}\n`);
  return status.StatusCode;
}

export interface RunOptions extends RunFlags { detachKeys?: string; envFile?: string[]; labelFile?: string[] }

export async function runCommand(image: string, command: string[], flags: RunOptions): Promise<number> {
  const client = await connect();
  const id = await createWithPull(client, image, command, flags);
  if (flags.detach) {
    await client.start(id);
    process.stdout.write(`${id}\n`);
    return 0;
  }
  return runAttached(client, id, { tty: !!flags.tty, stdin: !!flags.interactive, autoRemove: !!flags.rm, detachKeys: flags.detachKeys, command: 'run' });
}

export async function createCommand(image: string, command: string[], flags: RunOptions): Promise<number> {
  const client = await connect();
  const id = await createWithPull(client, image, command, { ...flags, detach: true });
  process.stdout.write(`${id}\n`);
  return 0;
}

export async function startCommand(ids: string[], opts: { attach?: boolean; interactive?: boolean; detachKeys?: string }): Promise<number> {
  const client = await connect();
  if (opts.attach || opts.interactive) {
    if (ids.length > 1) throw invalidArgument('you cannot start and attach multiple containers at once');
    const info = await client.inspectContainer(ids[0]!);
    return runAttached(client, info.Id, { tty: !!info.Config.Tty, stdin: !!opts.interactive && !!info.Config.OpenStdin, autoRemove: !!info.HostConfig.AutoRemove, detachKeys: opts.detachKeys, command: 'start' });
  }
  return forEach(ids, async (id) => { await client.start(id); process.stdout.write(`${id}\n`); });
}

export async function attachCommand(id: string, opts: { stdin?: boolean; detachKeys?: string; sigProxy?: boolean }): Promise<number> {
  const client = await connect();
  const info = await client.inspectContainer(id);
  if (!info.State.Running) throw conflict('you cannot attach to a stopped container, start it first');
  const tty = !!info.Config.Tty;
  const stdin = opts.stdin !== false && !!info.Config.OpenStdin;
  const { socket, head } = await client.attach(info.Id, { stdin, stdout: true, stderr: true, detachKeys: opts.detachKeys });
  const wait = client.wait(info.Id, 'not-running');
  const unproxy = tty || opts.sigProxy === false ? () => undefined : proxySignals(client, info.Id);
  const { pipeAttached } = await import('../attach-io.js');
  const how = await pipeAttached({ socket, head, tty, stdin, detachKeys: opts.detachKeys, resize: (h, w) => client.resize(info.Id, h, w) });
  unproxy();
  if (how === 'detached') return 0;
  return (await wait.result).StatusCode;
}
