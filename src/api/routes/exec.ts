// POST /containers/{id}/exec, POST /exec/{id}/start (hijacked), GET /exec/{id}/json, POST /exec/{id}/resize.
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED } from '../http.js';
import { toErrorBody } from '../../errors.js';
import type { ExecCreateBody, ExecStartBody } from '../../wire/api-types.js';
import { encodeFrame } from '../../wire/stdcopy.js';
import { DEFAULT_DETACH_KEYS, DetachMatcher, parseDetachKeys } from '../../wire/detach-keys.js';

export function registerExec(router: Router<Handler>): void {
  router.add('POST', '/containers/{id}/exec', async (ctx, { execs }) => {
    const id = execs.create(ctx.params.id!, await ctx.body<ExecCreateBody>());
    ctx.json(201, { Id: id });
    return ANSWERED;
  });
  router.add('POST', '/exec/{id}/start', async (ctx, { execs }) => {
    const body = (await ctx.body<ExecStartBody>()) ?? {};
    if (body.Detach) {
      const proc = (await execs.start(ctx.params.id!)).process!;
      proc.stdin.end();
      proc.stdout.resume();
      proc.stderr.resume();
      return undefined;
    }
    // as dockerd: an unknown exec is an HTTP error; the process starts only once the 101 is out,
    // and a start that fails is reported inside the stream (the exit code is the exec's)
    const config = execs.get(ctx.params.id!).config;
    const tty = !!config.Tty;
    const conn = ctx.hijack();
    await conn.headersFlushed;
    let inst: Awaited<ReturnType<typeof execs.start>>;
    try {
      inst = await execs.start(ctx.params.id!);
    } catch (err) {
      const text = Buffer.from(`${toErrorBody(err).body.message}\r\n`);
      conn.input.resume();
      conn.write(tty ? text : encodeFrame(1, text));
      conn.end();
      return ANSWERED;
    }
    const proc = inst.process!;
    const matcher = new DetachMatcher(parseDetachKeys(inst.config.DetachKeys || DEFAULT_DETACH_KEYS));
    proc.stdin.on('error', () => undefined);
    if (inst.config.AttachStdin) {
      let detached = false;
      conn.input.on('data', (d: Buffer) => {
        if (detached) return;
        const { forward, detach } = matcher.push(d);
        if (forward.length) proc.stdin.write(forward);
        if (detach) { detached = true; conn.end(); }
      });
      conn.input.on('end', () => { if (!detached) proc.stdin.end(); });
    } else {
      conn.input.resume();
      proc.stdin.end();
    }
    let open = tty ? 1 : 2;
    const done = async () => {
      if (--open > 0) return;
      await proc.wait().catch(() => undefined); // exit code recorded before the client asks for it
      conn.end();
    };
    proc.stdout.on('data', (d: Buffer) => conn.write(tty ? d : encodeFrame(1, d)));
    proc.stdout.once('end', () => void done());
    if (!tty) {
      proc.stderr.on('data', (d: Buffer) => conn.write(encodeFrame(2, d)));
      proc.stderr.once('end', () => void done());
    } else proc.stderr.resume();
    return ANSWERED;
  });
  router.add('GET', '/exec/{id}/json', async (ctx, { execs }) => execs.inspect(ctx.params.id!));
  router.add('POST', '/exec/{id}/resize', async (ctx, { execs }) => {
    execs.resize(ctx.params.id!, ctx.int('h') ?? 0, ctx.int('w') ?? 0);
    return undefined;
  });
}
