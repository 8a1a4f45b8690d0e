// Reads the shim's framed stdio.log for `logs`: tail, since, timestamps, follow.
import fs from 'node:fs/promises';
import { parseLogFrames, type LogFrame } from './frames.js';

export interface ReadLogsOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  /** Keep the timestamp of each frame (ISO) in the result. */
  timestamps?: boolean;
  /** Unix seconds (may be fractional); older frames are skipped. */
  since?: number;
  /** With follow: stop when this resolves true (e.g. the container exited). */
  stopped?: () => Promise<boolean>;
  signal?: AbortSignal;
  pollMs?: number;
}

export interface LogEntry { stream: 1 | 2; data: Buffer; time?: string }

export function nsToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // ...sss Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Splits frames at newlines (Docker's `--tail` and `--timestamps` work per line); a line
 * cut across two reads of the shim stays two entries. */
export function splitLines(frames: LogFrame[]): LogFrame[] {
  const out: LogFrame[] = [];
  for (const f of frames) {
    let start = 0;
    for (let i = f.data.indexOf(10); i >= 0; i = f.data.indexOf(10, start)) {
      out.push({ ...f, data: f.data.subarray(start, i + 1) });
      start = i + 1;
    }
    if (start < f.data.length) out.push({ ...f, data: f.data.subarray(start) });
  }
  return out;
}

/** Pure selection applied to the frames already in the file. */
export function selectFrames(frames: LogFrame[], opts: Pick<ReadLogsOptions, 'tail' | 'since'>): LogFrame[] {
  let out = splitLines(frames);
  if (opts.since !== undefined) {
    const min = BigInt(Math.floor(opts.since * 1e9));
    out = out.filter((f) => f.timeNs >= min);
  }
  if (opts.tail !== undefined && opts.tail >= 0) out = opts.tail === 0 ? [] : out.slice(-opts.tail);
  return out;
}

const toEntry = (f: LogFrame, timestamps?: boolean): LogEntry =>
  timestamps ? { stream: f.stream, data: f.data, time: nsToIso(f.timeNs) } : { stream: f.stream, data: f.data };

export async function* readLogs(logPath: string, opts: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(logPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    let pos = 0;
    let rest: Buffer = Buffer.alloc(0);
    const readMore = async (): Promise<LogFrame[]> => {
      const { size } = await handle.stat();
      if (size <= pos) return [];
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      const parsed = parseLogFrames(Buffer.concat([rest, buf.subarray(0, bytesRead)]));
      rest = Buffer.from(parsed.rest);
      return parsed.frames;
    };
    for (const f of selectFrames(await readMore(), opts)) yield toEntry(f, opts.timestamps);
    if (!opts.follow) return;
    for (;;) {
      if (opts.signal?.aborted) return;
      const done = opts.stopped ? await opts.stopped() : false;
      const frames = selectFrames(await readMore(), { since: opts.since });
      for (const f of frames) yield toEntry(f, opts.timestamps);
      if (done) return; // one last read after the stop was seen, so nothing is lost
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  } finally {
    await handle.close();
  }
}
