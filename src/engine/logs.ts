// Reading the shim's stdio.log: frames of [u8 stream][3 zero][u32 BE len][u64 BE unix-ns][payload].
import fs from 'node:fs/promises';

export interface LogEntry { stream: 1 | 2; ts: bigint; data: Buffer }

/** Parses whole frames from `buf`; returns them and how many bytes were consumed. */
export function parseLogFrames(buf: Buffer): { entries: LogEntry[]; consumed: number } {
  const entries: LogEntry[] = [];
  let off = 0;
  while (buf.length - off >= 16) {
    const len = buf.readUInt32BE(off + 4);
    if (buf.length - off < 16 + len) break;
    entries.push({ stream: buf[off] === 2 ? 2 : 1, ts: buf.readBigUInt64BE(off + 8), data: buf.subarray(off + 16, off + 16 + len) });
    off += 16 + len;
  }
  return { entries, consumed: off };
}

/** Splits entries into lines (docker's log drivers keep one entry per line). */
export function splitLines(entries: LogEntry[]): LogEntry[] {
  const out: LogEntry[] = [];
  const partial: Partial<Record<1 | 2, LogEntry>> = {};
  for (const e of entries) {
    let start = 0;
    for (let i = 0; i < e.data.length; i++) {
      if (e.data[i] !== 0x0a) continue;
      const piece = e.data.subarray(start, i + 1);
      const prev = partial[e.stream];
      out.push(prev ? { stream: e.stream, ts: prev.ts, data: Buffer.concat([prev.data, piece]) } : { stream: e.stream, ts: e.ts, data: piece });
      delete partial[e.stream];
      start = i + 1;
    }
    if (start < e.data.length) {
      const prev = partial[e.stream];
      const piece = e.data.subarray(start);
      partial[e.stream] = prev ? { stream: e.stream, ts: prev.ts, data: Buffer.concat([prev.data, piece]) } : { stream: e.stream, ts: e.ts, data: piece };
    }
  }
  for (const s of [1, 2] as const) if (partial[s]) out.push(partial[s]!);
  return out;
}

/** RFC3339Nano like Go prints it (trailing zeros of the fraction dropped). */
export function formatTimestamp(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, frac ? `.${frac}Z` : 'Z');
}

export async function readLogFile(file: string, from = 0): Promise<{ entries: LogEntry[]; next: number }> {
  let buf: Buffer;
  try {
    const h = await fs.open(file, 'r');
    try {
      const { size } = await h.stat();
      buf = Buffer.alloc(Math.max(0, size - from));
      if (buf.length) await h.read(buf, 0, buf.length, from);
    } finally { await h.close(); }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], next: from };
    throw err;
  }
  const { entries, consumed } = parseLogFrames(buf);
  return { entries, next: from + consumed };
}
