// What list and prune commands share: `-f k=v` flags into the API's filters map, and docker's
// "Are you sure you want to continue? [y/N]" for the prunes.
import { invalidArgument } from '../errors.js';

/** -f k=v (repeated) → the API's filters map. */
export function filterFlags(list: string[] = []): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of list) {
    const i = f.indexOf('=');
    if (i <= 0) throw invalidArgument(`bad format of filter (expected name=value): ${f}`);
    (out[f.slice(0, i)] ??= []).push(f.slice(i + 1));
  }
  return out;
}

/** `k=v` flags (--label, --opt) as a map; a bare `k` is `k=`. */
export function keyValues(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) { const i = l.indexOf('='); out[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1); }
  return out;
}

/** Asks on stdout, reads one line of stdin: yes only for y/yes. */
export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const done = () => { process.stdin.pause(); resolve(buf.split('\n')[0] ?? ''); };
    process.stdin.on('data', (d: Buffer) => { buf += d.toString(); if (buf.includes('\n')) done(); });
    process.stdin.once('end', done);
  });
  return /^y(es)?$/i.test(answer.trim());
}
