// Detach keys ("ctrl-p,ctrl-q"): parsing like docker's term.ToBytes, and a stream filter
// that holds back a partial match and releases it when the sequence breaks (docker's escapeProxy).
import { invalidArgument } from '../errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

export function parseDetachKeys(spec: string): number[] {
  const out: number[] = [];
  for (const raw of spec.split(',')) {
    const key = raw.trim();
    if (key.length > 1 && key.toLowerCase().startsWith('ctrl-')) {
      const c = key.slice(5).toLowerCase();
      if (c.length !== 1) throw invalidArgument(`invalid detach keys (${spec}): unknown character: '${key}'`);
      const code = c.charCodeAt(0);
      if (c >= 'a' && c <= 'z') out.push(code - 96);
      else if (c === '@') out.push(0);
      else if (c >= '[' && c <= '_') out.push(code - 64); // [ \ ] ^ _ → 27..31
      else throw invalidArgument(`invalid detach keys (${spec}): unknown character: '${key}'`);
    } else if (key.length === 1) {
      out.push(key.charCodeAt(0));
    } else {
      throw invalidArgument(`invalid detach keys (${spec}): unknown character: '${key}'`);
    }
  }
  return out;
}

/** Feeds input bytes through; `push` returns the bytes to forward and whether the sequence completed. */
export class DetachMatcher {
  private matched = 0;
  constructor(private readonly keys: number[]) {}

  push(chunk: Uint8Array): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (this.keys.length === 0) { out.push(byte); continue; }
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) { this.matched = 0; return { forward: Buffer.from(out), detach: true }; }
        continue;
      }
      // Sequence broken: release what was held back, then re-check this byte as a new start.
      out.push(...this.keys.slice(0, this.matched));
      this.matched = 0;
      if (byte === this.keys[0]) {
        this.matched = 1;
        if (this.keys.length === 1) return { forward: Buffer.from(out), detach: true };
      } else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
