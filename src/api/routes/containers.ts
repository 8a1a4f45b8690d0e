// /containers/*: create, start, stop, restart, kill, wait, attach, resize, json, logs, delete,
// stats, top, pause, unpause, update, archive (HEAD/GET/PUT), changes, export.
import { invalidArgument, withPrefix } from '../../errors.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED, type Ctx } from '../http.js';
import type { CreateContainerBody, UpdateBody } from '../../wire/api-types.js';
import type { WaitCondition } from '../../engine/engine.js';
import { containerStatus } from '../human.js';
import { encodeFrame } from '../../wire/stdcopy.js';
import { DEFAULT_DETACH_KEYS, DetachMatcher, parseDetachKeys } from '../../wire/detach-keys.js';
import type { AttachStreamLike, ContainerStats } from '../../engine/services.js';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { encodePathStat, PATH_STAT_HEADER } from '../../wire/path-stat.js';

function stdcopyOrRaw(tty: boolean, stream: 1 | 2, data: Buffer): Buffer {
  return tty ? data : encodeFrame(stream, data);
}

const attach: Handler = async (ctx, { engine }) => {
  const rec = engine.stdio(ctx.params.id!);
  const tty = rec.tty;
  const wantIn = ctx.flag('stdin') && rec.openStdin;
  const wantOut = ctx.flag('stdout');
  const wantErr = ctx.flag('stderr');
  const keys = parseDetachKeys(ctx.query.get('detachKeys') || DEFAULT_DETACH_KEYS);
  await ctx.skipBody();
  const streamPromise = engine.attach(rec.id);
  const conn = ctx.hijack();
  let closed = false;
  let detached = false;
  let shim: AttachStreamLike | undefined;
  conn.onClose(() => { closed = true; if (shim) engine.detach(rec.id, shim); });
  // Stdin is read as soon as the connection is taken: bytes typed before start are queued.
  const queued: Buffer[] = [];
  let stdinEnded = false;
  const matcher = new DetachMatcher(keys);
  if (wantIn) {
    conn.input.on('data', (d: Buffer) => {
      if (detached) return;
      const { forward, detach } = matcher.push(d);
      if (forward.length) { if (shim) shim.write(forward); else queued.push(forward); }
      // Detaching leaves the container and its stdin as they are; only this client goes.
      if (detach) { detached = true; if (shim) engine.detach(rec.id, shim); conn.end(); }
    });
    conn.input.on('end', () => {
      if (detached) return;
      stdinEnded = true;
      if (shim && rec.stdinOnce) shim.closeStdin();
    });
  } else {
    conn.input.resume();
  }
  try {
    shim = await streamPromise;
  } catch (err) {
    // Start failed: the CLI learns why from start's own answer; just end the stream.
    conn.end();
    return ANSWERED;
  }
  if (closed || detached) { engine.detach(rec.id, shim); return ANSWERED; }
  shim.onData((stream, data) => {
    if ((stream === 1 && wantOut) || (stream === 2 && wantErr)) conn.write(stdcopyOrRaw(tty, stream, data));
  });
  shim.onEnd(() => conn.end());
  for (const q of queued) shim.write(q);
  if (stdinEnded && rec.stdinOnce) shim.closeStdin();
  return ANSWERED;
};

async function logs(ctx: Ctx, engine: Parameters<Handler>[1]['engine']) {
  const wantOut = ctx.flag('stdout');
  const wantErr = ctx.flag('stderr');
  if (!wantOut && !wantErr) throw invalidArgument('you must choose at least one stream');
  const tailRaw = ctx.query.get('tail') ?? 'all';
  const tail = tailRaw === 'all' || tailRaw === '' ? undefined : Number(tailRaw);
  if (Number.isNaN(tail)) throw invalidArgument(`invalid tail value: ${tailRaw}`);
  const sinceRaw = ctx.query.get('since') ?? '';
  const untilRaw = ctx.query.get('until') ?? '';
  const timestamps = ctx.flag('timestamps');
  const abort = new AbortController();
  const { tty, entries } = engine.logs(ctx.params.id!, {
    follow: ctx.flag('follow'), tail, timestamps, since: sinceRaw === '' || sinceRaw === '0' ? undefined : sinceRaw,
    until: untilRaw === '' || untilRaw === '0' ? undefined : untilRaw, signal: abort.signal,
  });
  const res = ctx.stream(tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
  res.once('close', () => abort.abort());
  for await (const e of entries) {
    if ((e.stream === 1 && !wantOut) || (e.stream === 2 && !wantErr)) continue;
    res.write(stdcopyOrRaw(tty, e.stream, e.time === undefined ? e.data : Buffer.concat([Buffer.from(`${e.time} `), e.data])));
  }
  res.end();
}

/** dockerd's sampling interval for a stats stream (and between the two samples of stream=false). */
const STATS_INTERVAL_MS = 1000;

const delay = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** GET /containers/{id}/stats: stream (default) one document a second; stream=false one document,
 *  with precpu_stats from a sample a second earlier unless one-shot=true (dockerd's behaviour). */
async function stats(ctx: Ctx, engine: Parameters<Handler>[1]['engine']) {
  const streamRaw = ctx.query.get('stream');
  const stream = streamRaw === null || streamRaw === '' ? true : ctx.flag('stream');
  const oneShot = ctx.flag('one-shot');
  if (oneShot && stream) throw invalidArgument('cannot have stream=true and one-shot=true');
  const id = engine.resolve(ctx.params.id!);
  const abort = new AbortController();
  ctx.req.socket.once('close', () => abort.abort());
  let prev: ContainerStats | undefined;
  if (!stream) {
    if (!oneShot && engine.isRunning(id)) {
      prev = await engine.stats(id);
      await delay(STATS_INTERVAL_MS, abort.signal);
    }
    return engine.stats(id, prev);
  }
  const res = ctx.stream('application/json');
  try {
    while (!abort.signal.aborted) {
      prev = await engine.stats(id, prev);
      res.write(`${JSON.stringify(prev)}\n`);
      if (!engine.isRunning(id)) break;
      await delay(STATS_INTERVAL_MS, abort.signal);
    }
    res.end();
  } catch (err) {
    // headers are gone: the stream just ends (the container went away mid-stream)
    res.destroy(err as Error);
  }
  return ANSWERED;
}

export function registerContainers(router: Router<Handler>): void {
  router.add('POST', '/containers/create', async (ctx, { engine }) => {
    const body = await ctx.body<CreateContainerBody>();
    if (!body) throw invalidArgument('config cannot be empty in order to create a container');
    const out = await engine.create(body, ctx.query.get('name') || undefined);
    ctx.json(201, out);
    return ANSWERED;
  });
  router.add('GET', '/containers/json', async (ctx, { engine }) => {
    const now = Date.now();
    return (await engine.query(ctx.flag('all'), ctx.query.get('filters'))).map((c) => ({
      ...c,
      Status: containerStatus({ status: c.State, exitCode: c.StateDetail.ExitCode, startedAt: c.StateDetail.StartedAt, finishedAt: c.StateDetail.FinishedAt, health: c.StateDetail.Health }, now),
    }));
  });
  router.add('POST', '/containers/prune', async (ctx, { engine }) => engine.prune(ctx.query.get('filters')));
  router.add('GET', '/containers/{id}/json', async (ctx, { engine }) => engine.inspect(ctx.params.id!));
  router.add('POST', '/containers/{id}/start', async (ctx, { engine }) => { await engine.start(ctx.params.id!); return undefined; });
  router.add('POST', '/containers/{id}/stop', async (ctx, { engine }) => { await engine.stop(ctx.params.id!, ctx.int('t')); return undefined; });
  router.add('POST', '/containers/{id}/rename', async (ctx, { engine }) => { await engine.rename(ctx.params.id!, ctx.query.get('name') ?? ''); return undefined; });
  router.add('POST', '/containers/{id}/restart', async (ctx, { engine }) => { await engine.restart(ctx.params.id!, ctx.int('t')); return undefined; });
  router.add('POST', '/containers/{id}/kill', async (ctx, { engine }) => {
    try { await engine.kill(ctx.params.id!, ctx.query.get('signal') || undefined); } catch (err) { throw withPrefix(err, `Cannot kill container: ${ctx.params.id}`); }
    return undefined;
  });
  router.add('POST', '/containers/{id}/wait', async (ctx, { engine }) => {
    const condition = (ctx.query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidArgument(`invalid condition: ${condition}`);
    engine.resolve(ctx.params.id!); // a 404 must come before the streamed 200
    const abort = new AbortController();
    ctx.req.socket.once('close', () => abort.abort());
    const wait = engine.wait(ctx.params.id!, condition, abort.signal);
    // Headers go out at once so the client knows the wait is registered (docker does the same).
    const res = ctx.stream('application/json');
    try {
      res.end(JSON.stringify(await wait));
    } catch {
      res.destroy();
    }
    return ANSWERED;
  });
  router.add('POST', '/containers/{id}/attach', attach);
  router.add('POST', '/containers/{id}/resize', async (ctx, { engine }) => {
    await engine.resize(ctx.params.id!, ctx.int('h') ?? 0, ctx.int('w') ?? 0);
    return undefined;
  });
  router.add('GET', '/containers/{id}/logs', async (ctx, { engine }) => { await logs(ctx, engine); return ANSWERED; });
  router.add('GET', '/containers/{id}/stats', async (ctx, { engine }) => stats(ctx, engine));
  router.add('GET', '/containers/{id}/top', async (ctx, { engine }) => {
    const psArgs = ctx.query.get('ps_args') ?? '';
    if (psArgs !== '') throw invalidArgument(`minidock does not support ps_args (${psArgs}) yet: top always shows ps -ef's columns`);
    return engine.top(ctx.params.id!);
  });
  router.add('POST', '/containers/{id}/pause', async (ctx, { engine }) => { await engine.pause(ctx.params.id!); return undefined; });
  router.add('POST', '/containers/{id}/unpause', async (ctx, { engine }) => { await engine.unpause(ctx.params.id!); return undefined; });
  router.add('POST', '/containers/{id}/update', async (ctx, { engine }) => {
    const body = await ctx.body<UpdateBody>();
    return engine.update(ctx.params.id!, body ?? {});
  });
  const archivePath = (ctx: Ctx) => {
    const p = ctx.query.get('path');
    if (p === null || p === '') throw invalidArgument('path cannot be empty');
    return p;
  };
  router.add('HEAD', '/containers/{id}/archive', async (ctx, { engine }) => {
    const stat = await engine.archiveStat(ctx.params.id!, archivePath(ctx));
    ctx.stream('application/json', { [PATH_STAT_HEADER]: encodePathStat(stat) }).end();
    return ANSWERED;
  });
  router.add('GET', '/containers/{id}/archive', async (ctx, { engine }) => {
    await engine.archiveGet(ctx.params.id!, archivePath(ctx), async (stat, tarStream) => {
      const res = ctx.stream('application/x-tar', { [PATH_STAT_HEADER]: encodePathStat(stat) });
      // headers are gone: a failure mid-stream can only cut the stream (the client sees a truncated tar)
      await pipeline(tarStream, res).catch((err: Error) => { res.destroy(err); });
    });
    return ANSWERED;
  });
  router.add('PUT', '/containers/{id}/archive', async (ctx, { engine }) => {
    try {
      await engine.archivePut(ctx.params.id!, archivePath(ctx), ctx.req, { noOverwriteDirNonDir: ctx.flag('noOverwriteDirNonDir'), copyUIDGID: ctx.flag('copyUIDGID') });
    } catch (err) {
      // the rest of the tar is read and dropped, so the client sees the answer instead of a broken pipe
      ctx.req.unpipe();
      if (!ctx.req.readableEnded) {
        const ended = once(ctx.req, 'end');
        ctx.req.resume();
        await ended;
      }
      throw err;
    }
    ctx.json(200, undefined);
    return ANSWERED;
  });
  router.add('GET', '/containers/{id}/changes', async (ctx, { engine }) => engine.changes(ctx.params.id!));
  router.add('GET', '/containers/{id}/export', async (ctx, { engine }) => {
    const tarStream = await engine.export(ctx.params.id!);
    const res = ctx.stream('application/x-tar');
    await pipeline(tarStream, res).catch((err: Error) => { res.destroy(err); });
    return ANSWERED;
  });
  router.add('DELETE', '/containers/{id}', async (ctx, { engine }) => { await engine.remove(ctx.params.id!, { force: ctx.flag('force'), volumes: ctx.flag('v') }); return undefined; });
}
