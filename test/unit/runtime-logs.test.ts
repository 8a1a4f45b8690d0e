import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeLogFrame, formatTimestamp, formatTimestamp as nsToIso, LineSplitter, parseLogFrames, readLogs, selectFrames, sinceToNs, splitLines,
  type LogFrame,
} from '../../src/runtime/logs.js';

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
    // One line per frame (unterminated pieces would be joined into one line, as docker does).
    const frames = [0n, 1n, 2n, 3n].map((i) => ({ stream: 1 as const, timeNs: t0 + i * 1_000_000_000n, data: Buffer.from(`${i}\n`) }));
    expect(selectFrames(frames, { tail: 2 }).map((f) => f.data.toString())).toEqual(['2\n', '3\n']);
    expect(selectFrames(frames, { tail: 0 })).toEqual([]);
    expect(selectFrames(frames, { since: 1_700_000_001.5 }).map((f) => f.data.toString())).toEqual(['2\n', '3\n']);
    expect(nsToIso(t0 + 123n)).toBe('2023-11-14T22:13:20.000000123Z');
  });

  it('splits frames into lines so tail counts lines', () => {
    const f = { stream: 1 as const, timeNs: t0, data: Buffer.from('a\nb\nc') };
    expect(splitLines([f]).map((x) => x.data.toString())).toEqual(['a\n', 'b\n', 'c']);
    // docker's log copier joins a line written in two pieces: tail counts it once.
    expect(selectFrames([f, { ...f, data: Buffer.from('d\n') }], { tail: 2 }).map((x) => x.data.toString())).toEqual(['b\n', 'cd\n']);
    expect(splitLines([{ ...f, data: Buffer.alloc(0) }])).toEqual([]);
  });
});

// Formerly the engine's second reader (src/engine/logs.ts): same cases, now against the one codec.
describe('log frames (engine cases)', () => {
  const frame = (stream: number, ts: bigint, text: string) => {
    const h = Buffer.alloc(16);
    h[0] = stream;
    h.writeUInt32BE(Buffer.byteLength(text), 4);
    h.writeBigUInt64BE(ts, 8);
    return Buffer.concat([h, Buffer.from(text)]);
  };
  it('parses whole frames only', () => {
    const buf = Buffer.concat([frame(1, 1n, 'a\nb'), frame(2, 2n, 'err\n'), frame(1, 3n, 'c\n').subarray(0, 10)]);
    const { frames, rest } = parseLogFrames(buf);
    expect(frames.map((e) => [e.stream, e.data.toString()])).toEqual([[1, 'a\nb'], [2, 'err\n']]);
    expect(buf.length - rest.length).toBe(16 + 3 + 16 + 4);
  });
  it('splits into lines per stream', () => {
    const { frames } = parseLogFrames(Buffer.concat([frame(1, 1n, 'a\nb'), frame(2, 2n, 'e\n'), frame(1, 3n, 'c\nd')]));
    expect(splitLines(frames).map((e) => `${e.stream}:${e.data}`)).toEqual(['1:a\n', '2:e\n', '1:bc\n', '1:d']);
  });
  it('formats RFC3339Nano', () => {
    expect(formatTimestamp(1_700_000_000_123_456_789n)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(formatTimestamp(1_700_000_000_000_000_000n)).toBe('2023-11-14T22:13:20Z');
  });
});

describe('line splitting and since', () => {
  const fr = (stream: 1 | 2, timeNs: bigint, text: string): LogFrame => ({ stream, timeNs, data: Buffer.from(text) });

  it('joins a line cut across frames per stream, keeping the first piece\'s time', () => {
    const s = new LineSplitter();
    expect(s.push([fr(1, 1n, 'hel'), fr(2, 2n, 'er'), fr(1, 3n, 'lo\nwor')])).toEqual([fr(1, 1n, 'hello\n')]);
    expect(s.push([fr(2, 4n, 'r\n')])).toEqual([fr(2, 2n, 'err\n')]);
    expect(s.flush()).toEqual([fr(1, 3n, 'wor')]);
    expect(s.flush()).toEqual([]);
  });

  it('flushes unterminated lines oldest first', () => {
    const s = new LineSplitter();
    s.push([fr(2, 5n, 'late-err'), fr(1, 9n, 'out')]);
    expect(s.flush().map((f) => `${f.stream}:${f.data}`)).toEqual(['2:late-err', '1:out']);
  });

  it.each([
    ['1700000000', t0],
    ['1700000000.5', t0 + 500_000_000n],
    ['1700000000.000000001', t0 + 1n],
    [1_700_000_001.25, t0 + 1_250_000_000n],
  ] as const)('reads since %j exactly', (since, ns) => {
    expect(sinceToNs(since)).toBe(ns);
  });

  it.each(['', 'yesterday', '-5', '1.2.3', '1.1234567890'])('refuses since %j', (since) => {
    expect(() => sinceToNs(since)).toThrow(`invalid since value: ${since}`);
  });

  it('keeps lines at or after since, then tails', () => {
    const frames = [fr(1, t0, 'a\n'), fr(1, t0 + 10n, 'b\nc\n'), fr(2, t0 + 20n, 'd\n')];
    expect(selectFrames(frames, { since: '1700000000.00000001' }).map((f) => f.data.toString())).toEqual(['b\n', 'c\n', 'd\n']);
    expect(selectFrames(frames, { since: '1700000000.00000001', tail: 1 }).map((f) => f.data.toString())).toEqual(['d\n']);
    expect(selectFrames(frames, { tail: -1 })).toHaveLength(4);
  });
});

describe('readLogs', () => {
  let dir: string;
  beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'B-logs-')); });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  const collect = async (file: string, opts: Parameters<typeof readLogs>[1]) => {
    const out: string[] = [];
    for await (const e of readLogs(file, opts)) out.push(`${e.stream}:${e.time ? `${e.time} ` : ''}${e.data}`);
    return out;
  };

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

  it('passes frames through as written without tail or timestamps, lines otherwise', async () => {
    const file = path.join(dir, 'pass.log');
    await fs.writeFile(file, Buffer.concat([encodeLogFrame(1, t0, Buffer.from('one\ntwo\n')), encodeLogFrame(2, t0 + 1_000_000_000n, Buffer.from('three\n'))]));
    expect(await collect(file, {})).toEqual(['1:one\ntwo\n', '2:three\n']);
    expect(await collect(file, { tail: 2 })).toEqual(['1:two\n', '2:three\n']);
    expect(await collect(file, { timestamps: true })).toEqual(['1:2023-11-14T22:13:20Z one\n', '1:2023-11-14T22:13:20Z two\n', '2:2023-11-14T22:13:21Z three\n']);
    expect(await collect(file, { since: '1700000000.5' })).toEqual(['2:three\n']);
  });

  it('follows: joins a line finished by a later write, applies since, and flushes the last piece at the stop', async () => {
    const file = path.join(dir, 'follow.log');
    await fs.writeFile(file, encodeLogFrame(1, t0, Buffer.from('old\n')));
    let stop = false;
    let reads = 0;
    // Each stopped() check is one poll: writes happen between polls, no timing involved.
    const steps: (() => Promise<void>)[] = [
      () => fs.appendFile(file, encodeLogFrame(1, t0 + 10n, Buffer.from('hal'))),
      () => fs.appendFile(file, Buffer.concat([encodeLogFrame(1, t0 + 20n, Buffer.from('f\nrest')), encodeLogFrame(2, t0 + 30n, Buffer.from('e\n'))])),
      async () => { stop = true; },
    ];
    const out = await collect(file, {
      follow: true, tail: -1, timestamps: true, since: '1700000000.000000005', pollMs: 1,
      stopped: async () => { await steps[reads++]?.(); return stop; },
    });
    expect(out).toEqual([
      `1:${formatTimestamp(t0 + 10n)} half\n`,
      `2:${formatTimestamp(t0 + 30n)} e\n`,
      `1:${formatTimestamp(t0 + 20n)} rest`,
    ]);
  });

  it('stops following when aborted', async () => {
    const file = path.join(dir, 'abort.log');
    await fs.writeFile(file, encodeLogFrame(1, t0, Buffer.from('x\n')));
    const ac = new AbortController();
    const out: string[] = [];
    for await (const e of readLogs(file, { follow: true, pollMs: 1, signal: ac.signal, stopped: () => false })) {
      out.push(e.data.toString());
      ac.abort();
    }
    expect(out).toEqual(['x\n']);
  });
});

describe('logs --until', () => {
  it('leaves out lines written after until, and since/until together bound the window', async () => {
    const { encodeLogFrame, readLogs } = await import('../../src/runtime/logs.js');
    const fsp = await import('node:fs/promises');
    const osm = await import('node:os');
    const pathm = await import('node:path');
    const dir = await fsp.mkdtemp(pathm.join(osm.tmpdir(), 'D-until-'));
    try {
      const file = pathm.join(dir, 'stdio.log');
      const s = 1_700_000_000n * 1_000_000_000n;
      await fsp.writeFile(file, Buffer.concat([1n, 2n, 3n].map((k) => encodeLogFrame(1, s + k * 1_000_000_000n, Buffer.from(`l${k}\n`)))));
      const read = async (o: object) => { let out = ''; for await (const e of readLogs(file, o)) out += e.data; return out; };
      expect(await read({ until: '1700000002' })).toBe('l1\nl2\n');
      expect(await read({ since: '1700000002', until: '1700000002.5' })).toBe('l2\n');
      expect(await read({ until: '1700000002', follow: true, stopped: () => false, pollMs: 1 })).toBe('l1\nl2\n');
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readLogs across rotation', () => {
  let dir: string;
  beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'md-logrot-')); });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  const frame = (n: number) => encodeLogFrame(1, BigInt(n) * 1_000_000_000n, Buffer.from(`line ${n}\n`));
  /** What the shim does: log.1 → log.2 ..., log → log.1, a new log. */
  async function rotate(log: string, keep: number) {
    for (let i = keep - 1; i >= 1; i--) await fs.rename(i === 1 ? log : `${log}.${i - 1}`, `${log}.${i}`).catch(() => undefined);
  }

  it('reads the rotated copies oldest first, then the log', async () => {
    const log = path.join(dir, 'a.log');
    await fs.writeFile(`${log}.2`, Buffer.concat([frame(1), frame(2)]));
    await fs.writeFile(`${log}.1`, frame(3));
    await fs.writeFile(log, frame(4));
    const out: string[] = [];
    for await (const e of readLogs(log, {})) out.push(e.data.toString().trim());
    expect(out).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    const tail: string[] = [];
    for await (const e of readLogs(log, { tail: 2 })) tail.push(e.data.toString().trim());
    expect(tail).toEqual(['line 3', 'line 4']);
  });

  it('follows across rotations, even two between reads, without losing or repeating a line', async () => {
    const log = path.join(dir, 'b.log');
    await fs.writeFile(log, frame(1));
    let stop = false;
    const seen: string[] = [];
    const reader = (async () => {
      for await (const e of readLogs(log, { follow: true, stopped: () => stop, pollMs: 20 })) seen.push(e.data.toString().trim());
    })();
    const until = async (n: number) => { for (let i = 0; i < 500 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10)); };
    await until(1);
    await fs.appendFile(log, frame(2));
    await rotate(log, 3);
    await fs.writeFile(log, frame(3));
    await until(3);
    // two rotations before the reader looks again
    await fs.appendFile(log, frame(4));
    await rotate(log, 4);
    await fs.writeFile(log, frame(5));
    await rotate(log, 4);
    await fs.writeFile(log, frame(6));
    await until(6);
    stop = true;
    await reader;
    expect(seen).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  });
});
