// /images/*: pull and push (streamed JSON progress), list, inspect, history, remove, save (get) and load.
import { invalidArgument, toErrorBody } from '../../errors.js';
import { filterImages } from '../../engine/image-filters.js';
import type { Router } from '../router.js';
import type { ApiDeps, Handler } from './deps.js';
import { ANSWERED, type Ctx } from '../http.js';
import type { Credentials, ImageRecord } from '../../engine/services.js';

/** X-Registry-Auth: base64url JSON {username, password, serveraddress} (docker's header). */
export function decodeRegistryAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  try {
    const j = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { username?: string; password?: string };
    return j.username ? { username: j.username, password: j.password ?? '' } : undefined;
  } catch {
    throw invalidArgument('invalid X-Registry-Auth header');
  }
}

export function imageSummary(img: ImageRecord) {
  return {
    Id: img.id, ParentId: '', RepoTags: img.repoTags, RepoDigests: img.repoDigests,
    Created: Math.floor(Date.parse(img.created) / 1000), Size: img.size, SharedSize: -1, VirtualSize: img.size,
    Labels: img.config.Labels ?? {}, Containers: -1,
  };
}

export function imageInspect(img: ImageRecord) {
  return {
    Id: img.id, RepoTags: img.repoTags, RepoDigests: img.repoDigests, Parent: '', Comment: '',
    Created: img.created, Config: img.config, Architecture: img.architecture, Os: img.os,
    Size: img.size, VirtualSize: img.size, RootFS: { Type: 'layers', Layers: img.layers },
  };
}

type ProgressEvent = { status: string; id?: string; current?: number; total?: number };

/** One progress event as dockerd's JSON message line. */
function progressLine(e: ProgressEvent): Record<string, unknown> {
  return {
    status: e.status,
    ...(e.id ? { id: e.id } : {}),
    ...(e.total !== undefined || e.current !== undefined ? { progressDetail: { current: e.current, total: e.total } } : {}),
  };
}

/**
 * A pull or push as dockerd streams it: 200 with one JSON message a line, aborted when the client
 * goes away; a failure is the stream's last message (docker reports it inside the 200 stream), with
 * code/exitCode/status so that our client rebuilds the error.
 */
async function progressStream(ctx: Ctx, work: (auth: ReturnType<typeof decodeRegistryAuth>, signal: AbortSignal, line: (v: unknown) => void) => Promise<void>): Promise<void> {
  const auth = decodeRegistryAuth(ctx.req.headers['x-registry-auth'] as string | undefined);
  const res = ctx.stream('application/json');
  const abort = new AbortController();
  res.once('close', () => { if (!res.writableFinished) abort.abort(); });
  const line = (v: unknown) => { if (!res.destroyed) res.write(JSON.stringify(v) + '\n'); };
  try {
    await work(auth, abort.signal, line);
  } catch (err) {
    const { status, body } = toErrorBody(err);
    line({ errorDetail: { message: body.message }, error: body.message, code: body.code, exitCode: body.exitCode, status });
  }
  res.end();
}

export function registerImages(router: Router<Handler>): void {
  router.add('POST', '/images/create', async (ctx, { images, engine }) => {
    const from = ctx.query.get('fromImage');
    if (!from) throw invalidArgument('fromImage is required');
    const tag = ctx.query.get('tag');
    // fromImage may already carry a tag or digest; tag= is appended only when it does not.
    const ref = tag && !/[:@][^/]*$/.test(from) ? `${from}${tag.startsWith('sha256:') ? '@' : ':'}${tag}` : from;
    await progressStream(ctx, (auth, signal, line) => images.pull(ref, { signal, auth, onEvent: (e) => line(progressLine(e)) }).then((img) => {
      engine.recordEvent('image', 'pull', ref, { name: ref, ...(img.config.Labels ?? {}) });
    }));
    return ANSWERED;
  });
  router.add('POST', '/images/{name*}/tag', async (ctx, { images, engine }) => {
    const repo = ctx.query.get('repo');
    if (!repo) throw invalidArgument('repository name is required');
    const tag = ctx.query.get('tag');
    const target = tag ? `${repo}:${tag}` : repo;
    await images.tag(ctx.params.name!, target);
    engine.recordEvent('image', 'tag', ctx.params.name!, { name: target });
    ctx.json(201, undefined);
    return ANSWERED;
  });
  router.add('POST', '/images/prune', async (ctx, { engine }) => engine.pruneImages(ctx.query.get('filters')));
  router.add('POST', '/images/{name*}/push', async (ctx, { images, engine }) => {
    const tag = ctx.query.get('tag');
    const name = tag ? `${ctx.params.name!}:${tag}` : ctx.params.name!;
    await progressStream(ctx, (auth, signal, line) => images.push(name, {
      signal,
      auth,
      onEvent: (e) => {
        line(progressLine(e));
        // dockerd sends the pushed digest once more as an aux message
        if (e.aux) line({ progressDetail: {}, aux: e.aux });
      },
    }).then(() => engine.recordEvent('image', 'push', name, { name })));
    return ANSWERED;
  });
  router.add('GET', '/images/{name*}/history', async (ctx, { images }) => (await images.history(ctx.params.name!)).map((h) => ({
    Id: h.id, Created: h.created, CreatedBy: h.createdBy, Tags: h.tags.length ? h.tags : null, Size: h.size, Comment: h.comment,
  })));
  const save = async (ctx: Ctx, { images, engine }: ApiDeps, names: string[]) => {
    // every name is resolved first, so an unknown one is a 404 before any byte of the archive
    for (const n of names) await images.get(n);
    const res = ctx.stream('application/x-tar');
    try {
      await images.save(names, res);
    } catch (err) {
      // the archive is already on its way: cut it so the client cannot take it for complete
      res.destroy(err as Error);
      return ANSWERED;
    }
    for (const n of names) engine.recordEvent('image', 'save', n, { name: n });
    return ANSWERED;
  };
  router.add('GET', '/images/get', async (ctx, deps) => {
    const names = ctx.query.getAll('names');
    if (names.length === 0) throw invalidArgument('names is required: the images to save');
    return save(ctx, deps, names);
  });
  router.add('GET', '/images/{name*}/get', async (ctx, deps) => save(ctx, deps, [ctx.params.name!]));
  router.add('POST', '/images/load', async (ctx, { images, engine }) => {
    const loaded = await images.load(ctx.req);
    const res = ctx.stream('application/json');
    for (const l of loaded) {
      if (l.tags.length === 0) {
        res.write(JSON.stringify({ stream: `Loaded image ID: ${l.id}\n` }) + '\n');
        engine.recordEvent('image', 'load', l.id, { name: l.id });
      }
      for (const t of l.tags) {
        res.write(JSON.stringify({ stream: `Loaded image: ${t}\n` }) + '\n');
        engine.recordEvent('image', 'load', t, { name: t });
      }
    }
    res.end();
    return ANSWERED;
  });
  router.add('POST', '/commit', async (ctx, { engine }) => {
    const container = ctx.query.get('container');
    if (!container) throw invalidArgument('container is required: the container to commit');
    const repo = ctx.query.get('repo');
    const tag = ctx.query.get('tag');
    if (tag && !repo) throw invalidArgument(`tag ${tag} given without a repository`);
    const img = await engine.commit({
      container, tag: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
      comment: ctx.query.get('comment') ?? '', author: ctx.query.get('author') ?? '',
      // dockerd pauses unless pause is given false (0, false)
      pause: !['0', 'false'].includes((ctx.query.get('pause') ?? '1').toLowerCase()),
      changes: ctx.query.getAll('changes').filter((c) => c.trim() !== ''),
      config: await ctx.body<Record<string, unknown> | null>(),
    });
    ctx.json(201, { Id: img.id });
    return ANSWERED;
  });
  router.add('GET', '/images/json', async (ctx, { images }) => filterImages(await images.list(), ctx.query.get('filters')).map(imageSummary));
  router.add('GET', '/images/{name*}/json', async (ctx, { images }) => imageInspect(await images.get(ctx.params.name!)));
  router.add('DELETE', '/images/{name*}', async (ctx, { images, engine }) => {
    const out = await images.remove(ctx.params.name!, { force: ctx.flag('force'), inUse: (id) => engine.imageInUse(id) });
    for (const u of out.untagged) engine.recordEvent('image', 'untag', u, { name: u });
    // deleted lists the image, then its layers; the event is the image's
    if (out.deleted[0]) engine.recordEvent('image', 'delete', out.deleted[0], { name: out.deleted[0] });
    return [...out.untagged.map((u) => ({ Untagged: u })), ...out.deleted.map((d) => ({ Deleted: d }))];
  });
}
