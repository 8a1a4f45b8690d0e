import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachDecoder, encodeAttachFrame, encodeLogFrame, parseLogFrames, resizeFrame } from '../../src/runtime/frames.js';
import { nsToIso, readLogs, selectFrames, splitLines } from '../../src/runtime/logs.js';

const t0 = 1_700_000_000_000_000_000n;

describe('log frames', () => {
  it('parses complete frames and keeps a partial tail', () => {
    const a = encodeLogFrame(1, t0, Buffer.from('out\n'));
    const b = encodeLogFrame(2, t0 + 5n, Buffer.from('err\n'));
    const whole = Buffer.concat([a, b]);
    const { frames, rest } = parseLogFrames(whole.subarray(0, whole.length - 2));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ stream: 1, timeNs: t0 });
    expect(frames[0].data.toString()).toBe('out\n');
    expect(rest.length).toBe(b.length - 2);
    expect(parseLogFrames(whole).frames.map((f) => f.stream)).toEqual([1, 2]);
    expect(() => parseLogFrames(Buffer.alloc(16, 9))).toThrow(/corrupt log frame/);
  });

  it('selects by since and tail', () => {
    const frames = [0n, 1n, 2n, 3n].map((i) => ({ stream: 1 as const, timeNs: t0 + i * 1_000_000_000n, data: Buffer.from(String(i)) }));
    expect(selectFrames(frames, { tail: 2 }).map((f) => f.data.toString())).toEqual(['2', '3']);
    expect(selectFrames(frames, { tail: 0 })).toEqual([]);
    expect(selectFrames(frames, { since: 1_700_000_001.5 }).map((f) => f.data.toString())).toEqual(['2', '3']);
    expect(nsToIso(t0 + 123n)).toBe('2023-11-14T22:13:20.000000123Z');
  });

  it('splits frames into lines so tail counts lines', () => {
    const f = { stream: 1 as const, timeNs: t0, data: Buffer.from('a\nb\nc') };
    expect(splitLines([f]).map((x) => x.data.toString())).toEqual(['a\n', 'b\n', 'c']);
    expect(selectFrames([f, { ...f, data: Buffer.from('d\n') }], { tail: 2 }).map((x) => x.data.toString())).toEqual(['c', 'd\n']);
    expect(splitLines([{ ...f, data: Buffer.alloc(0) }])).toEqual([]);
  });

  it('decodes attach frames split across chunks', () => {
    const d = new AttachDecoder();
    const buf = Buffer.concat([encodeAttachFrame(1, Buffer.from('hello')), encodeAttachFrame(2, Buffer.from('x'))]);
    expect(d.push(buf.subarray(0, 3))).toEqual([]);
    expect(d.push(buf.subarray(3, 14)).map((f) => [f.stream, f.data.toString()])).toEqual([[1, 'hello']]);
    expect(d.push(buf.subarray(14)).map((f) => [f.stream, f.data.toString()])).toEqual([[2, 'x']]);
    expect([...resizeFrame(24, 80)]).toEqual([3, 0, 0, 0, 0, 0, 0, 4, 0, 24, 0, 80]);
  });
});

describe('readLogs', () => {
  let dir: string;
  beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'B-logs-')); });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('reads, tails, timestamps and follows until stopped', async () => {
    const file = path.join(dir, 'stdio.log');
    await fs.writeFile(file, Buffer.concat([encodeLogFrame(1, t0, Buffer.from('a')), encodeLogFrame(2, t0 + 1n, Buffer.from('b'))]));
    const all = [];
    for await (const e of readLogs(file, { timestamps: true })) all.push(e);
    expect(all.map((e) => [e.stream, e.data.toString(), e.time])).toEqual([[1, 'a', nsToIso(t0)], [2, 'b', nsToIso(t0 + 1n)]]);
    const tail = [];
    for await (const e of readLogs(file, { tail: 1 })) tail.push(e.data.toString());
    expect(tail).toEqual(['b']);

    let stop = false;
    const followed: string[] = [];
    const done = (async () => {
      for await (const e of readLogs(file, { follow: true, tail: 0, pollMs: 20, stopped: async () => stop })) followed.push(e.data.toString());
    })();
    await new Promise((r) => setTimeout(r, 60));
    await fs.appendFile(file, encodeLogFrame(1, t0 + 2n, Buffer.from('c')));
    await new Promise((r) => setTimeout(r, 60));
    stop = true;
    await done;
    expect(followed).toEqual(['c']);
    const none = [];
    for await (const e of readLogs(path.join(dir, 'missing.log'))) none.push(e);
    expect(none).toEqual([]);
  });
});
