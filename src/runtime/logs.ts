// The shim's stdio.log, its one codec and its one reader (the shim, shim.c, is the writer;
// with a size limit it rotates the log to stdio.log.1, .2 ... between frames).
// Frame: [u8 stream (1 out, 2 err)][3 zero][u32 BE len][u64 BE unix-ns timestamp][payload];
// with a tty everything is stream 1.
// `logs` follows docker's rules: output is a sequence of lines; a line cut across two writes
// of the container is joined (per stream, keeping the first piece's time) like docker's log
// copier; --tail N counts lines (0 = none, negative = all); --since keeps lines written at or
// after that time; -t prefixes each line with its time, RFC3339Nano; follow goes on reading
// until `stopped()` says the container is gone, then flushes an unterminated last line (the
// log present when reading starts counts as complete: its unterminated lines are lines).
// Without tail or timestamps the frames are passed through as written (the same bytes).
import fs from 'node:fs/promises';
import { invalidArgument } from '../errors.js';

export interface LogFrame { stream: 1 | 2; timeNs: bigint; data: Buffer }

export const LOG_HEADER = 16;

export function encodeLogFrame(stream: 1 | 2, timeNs: bigint, data: Buffer): Buffer {
  const h = Buffer.alloc(LOG_HEADER);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  h.writeBigUInt64BE(timeNs, 8);
  return Buffer.concat([h, data]);
}

/** Splits complete log frames off `buf`; returns them and the unconsumed rest (a frame still being written). */
export function parseLogFrames(buf: Buffer): { frames: LogFrame[]; rest: Buffer } {
  const frames: LogFrame[] = [];
  let off = 0;
  while (buf.length - off >= LOG_HEADER) {
    const stream = buf[off];
    if (stream !== 1 && stream !== 2) throw new Error(`corrupt log frame at offset ${off}: stream ${stream}`);
    const len = buf.readUInt32BE(off + 4);
    if (buf.length - off < LOG_HEADER + len) break;
    frames.push({ stream, timeNs: buf.readBigUInt64BE(off + 8), data: buf.subarray(off + LOG_HEADER, off + LOG_HEADER + len) });
    off += LOG_HEADER + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** Frames → lines, incrementally: an unterminated piece waits (per stream) for the rest of its line. */
export class LineSplitter {
  private partial: Partial<Record<1 | 2, LogFrame>> = {};

  push(frames: readonly LogFrame[]): LogFrame[] {
    const out: LogFrame[] = [];
    for (const f of frames) {
      let start = 0;
      for (let i = f.data.indexOf(10); i >= 0; i = f.data.indexOf(10, start)) {
        out.push(this.take(f, f.data.subarray(start, i + 1)));
        start = i + 1;
      }
      if (start < f.data.length) this.partial[f.stream] = this.take(f, f.data.subarray(start));
    }
    return out;
  }

  /** The unterminated last lines, oldest first (end of the log). */
  flush(): LogFrame[] {
    const out = [this.partial[1], this.partial[2]].filter((f): f is LogFrame => f !== undefined);
    this.partial = {};
    return out.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  }

  private take(f: LogFrame, piece: Buffer): LogFrame {
    const prev = this.partial[f.stream];
    delete this.partial[f.stream];
    return prev ? { stream: f.stream, timeNs: prev.timeNs, data: Buffer.concat([prev.data, piece]) } : { stream: f.stream, timeNs: f.timeNs, data: piece };
  }
}

/** All the lines of complete frames, unterminated last lines included. */
export function splitLines(frames: readonly LogFrame[]): LogFrame[] {
  const s = new LineSplitter();
  return [...s.push(frames), ...s.flush()];
}

/** RFC3339Nano as Go prints it (trailing zeros of the fraction dropped). */
export function formatTimestamp(ns: bigint): string {
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, frac ? `.${frac}Z` : 'Z');
}

/** docker's `since` value: unix seconds with an optional fraction ("1700000000.5"), exactly, in ns. */
export function sinceToNs(since: number | string): bigint {
  const text = typeof since === 'number' ? since.toString() : since;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw invalidArgument(`invalid since value: ${text}`);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

export interface SelectOptions {
  /** Only the last N lines (0 = none, negative or undefined = all). */
  tail?: number;
  /** Unix seconds (may be fractional, "seconds.nanos" as docker sends it); older lines are skipped. */
  since?: number | string;
}

/** Pure selection of the lines already in the file. */
export function selectFrames(frames: readonly LogFrame[], opts: SelectOptions): LogFrame[] {
  return selectLines(splitLines(frames), opts);
}

function selectLines(lines: LogFrame[], opts: SelectOptions): LogFrame[] {
  let out = lines;
  if (opts.since !== undefined) {
    const min = sinceToNs(opts.since);
    out = out.filter((f) => f.timeNs >= min);
  }
  if (opts.tail !== undefined && opts.tail >= 0) out = opts.tail === 0 ? [] : out.slice(-opts.tail);
  return out;
}

export interface ReadLogsOptions extends SelectOptions {
  /** Same form as since; later lines are left out, and following ends once it has passed. */
  until?: number | string;
  follow?: boolean;
  /** Keep the time of each line, formatted (formatTimestamp), in the result. */
  timestamps?: boolean;
  /** With follow: stop when this resolves true (e.g. the container exited); checked before each read. */
  stopped?: () => Promise<boolean> | boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

export interface LogEntry { stream: 1 | 2; data: Buffer; time?: string }

const toEntry = (f: LogFrame, timestamps?: boolean): LogEntry =>
  timestamps ? { stream: f.stream, data: f.data, time: formatTimestamp(f.timeNs) } : { stream: f.stream, data: f.data };

/** A whole file's complete frames (a rotated copy never ends inside a frame); absent = none. */
async function fileFrames(p: string): Promise<LogFrame[]> {
  try {
    return parseLogFrames(await fs.readFile(p)).frames;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The rotated copies of a log (log.1, log.2, ...) with their inodes, newest first. */
async function rotatedCopies(logPath: string): Promise<{ path: string; ino: number }[]> {
  const out: { path: string; ino: number }[] = [];
  for (let i = 1; i <= 1000; i++) {
    const p = `${logPath}.${i}`;
    const st = await fs.stat(p).catch(() => undefined); // no such copy: the list ends here
    if (!st) break;
    out.push({ path: p, ino: st.ino });
  }
  return out;
}

/**
 * Reads a stdio.log with docker's `logs` rules (see the top of this file), its rotated copies
 * first (oldest first). Following goes on across rotations: when the log is renamed away (a
 * new inode at its path), the old file is read to its end, then the copies rotated after it,
 * then the new log. A missing log has no lines.
 */
export async function* readLogs(logPath: string, opts: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const since = opts.since === undefined ? undefined : sinceToNs(opts.since);
  const until = opts.until === undefined ? undefined : sinceToNs(opts.until);
  const lines = opts.tail !== undefined || !!opts.timestamps;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(logPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    let ino = handle ? (await handle.stat()).ino : -1;
    let pos = 0;
    let rest: Buffer = Buffer.alloc(0);
    const splitter = new LineSplitter();
    const readMore = async (): Promise<LogFrame[]> => {
      if (!handle) return [];
      const { size } = await handle.stat();
      if (size <= pos) return [];
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      const parsed = parseLogFrames(rest.length ? Buffer.concat([rest, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead));
      rest = parsed.rest;
      return parsed.frames;
    };
    /** After a rotation: our old file to its end, the copies made after it, then the new log. */
    const followRotation = async (): Promise<LogFrame[]> => {
      const st = await fs.stat(logPath).catch(() => undefined); // mid-rotation (renamed, not yet recreated): look again next poll
      if (!st || st.ino === ino) return [];
      const frames = await readMore();
      const copies = await rotatedCopies(logPath);
      const ours = copies.findIndex((c) => c.ino === ino);
      // the copies newer than ours, oldest first: when ours was dropped already (we still read
      // it to its end through our handle), every copy left is newer; with no log at the start,
      // the copies were read then
      const newer = (ours >= 0 ? copies.slice(0, ours) : handle ? copies : []).reverse();
      for (const c of newer) if (c.ino !== st.ino) frames.push(...await fileFrames(c.path));
      await handle?.close();
      handle = await fs.open(logPath, 'r').catch(() => undefined); // gone again meanwhile: the next rotation check reopens it
      ino = handle ? (await handle.stat()).ino : -1;
      pos = 0;
      rest = Buffer.alloc(0);
      return [...frames, ...await readMore()];
    };
    const afterSince = (frames: LogFrame[]) => frames.filter((f) => (since === undefined || f.timeNs >= since) && (until === undefined || f.timeNs <= until));
    const older: LogFrame[] = [];
    for (const c of (await rotatedCopies(logPath)).reverse()) if (c.ino !== ino) older.push(...await fileFrames(c.path));
    const first = [...older, ...await readMore()];
    // What is in the files when reading starts is the existing log: its unterminated last lines count (for --tail too).
    const firstOut = lines ? [...splitter.push(first), ...splitter.flush()] : first;
    for (const f of selectLines(afterSince(firstOut), { tail: opts.tail })) yield toEntry(f, opts.timestamps);
    if (!opts.follow) return;
    for (;;) {
      if (opts.signal?.aborted) return;
      const done = opts.stopped ? await opts.stopped() : false;
      const frames = [...await readMore(), ...await followRotation()];
      const out = lines ? [...splitter.push(frames), ...(done ? splitter.flush() : [])] : frames;
      for (const f of afterSince(out)) yield toEntry(f, opts.timestamps);
      if (done) return; // one last read after the stop was seen, so nothing is lost
      if (until !== undefined && BigInt(Date.now()) * 1_000_000n > until) return;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  } finally {
    await handle?.close();
  }
}
