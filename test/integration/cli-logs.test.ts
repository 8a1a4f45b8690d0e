// Bounded logs with a real shim: --log-opt max-size/max-file rotate the log between frames,
// `logs` reads the rotated copies and the log in order, `logs -f` started before the output
// follows across the rotations and sees every line once and in order; --log-driver none keeps
// nothing and `logs` says so; bad options are refused (exit 125) and create nothing.
// Root only; own throwaway engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BIN, TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';
const LINES = 30000; // "line NNNNN" + 90 bytes of padding: ~3 MB of output
// in bursts of 500 lines with a pause between: a follower that falls more than max-file - 1
// rotations behind loses what was dropped meanwhile (docker's json-file too); this one keeps up
const script = `sleep 1; i=10000; end=$((10000+${LINES})); pad=$(printf '%090d' 0); while [ $i -lt $end ]; do echo "line $i $pad"; i=$((i+1)); [ $((i % 500)) -eq 0 ] && sleep 0.05; done; true`;

describe.skipIf(!isRoot)('bounded logs (root)', () => {
  let eng: TestEngine;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
  }, 300_000);

  afterAll(async () => {
    if (!eng) return;
    expect(await eng.destroy()).toEqual([]);
  }, 120_000);

  it('rotates at max-size keeping max-file files; logs and logs -f see every kept line in order', async () => {
    const run = await eng.cli(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=512k', '--log-opt', 'max-file=3', IMAGE, 'sh', '-c', script]);
    expect(run.exitCode, run.stderr).toBe(0);
    const id = run.stdout.trim();
    // follow from the start (the container sleeps 1 s before it writes)
    const follower = spawn(process.execPath, [BIN, 'logs', '-f', 'chatty'], { env: { ...process.env, ...eng.env } });
    let followed = '';
    follower.stdout.on('data', (d) => (followed += d));
    const followedAll = new Promise<number>((r) => follower.once('close', (c) => r(c ?? -1)));
    expect((await eng.cli(['wait', 'chatty'], { timeoutMs: 120_000 })).stdout.trim()).toBe('0');
    expect(await followedAll).toBe(0);

    const got = followed.trim().split('\n').map((l) => Number(l.split(' ')[1]));
    expect(got.length).toBe(LINES);
    expect(got.every((n, i) => n === 10000 + i)).toBe(true);

    const dir = path.join(eng.env.MINIDOCK_ROOT!, 'containers', id);
    const files = (await fs.readdir(dir)).filter((f) => f.startsWith('stdio.log')).sort();
    expect(files).toEqual(['stdio.log', 'stdio.log.1', 'stdio.log.2']);
    for (const f of files) expect((await fs.stat(path.join(dir, f))).size).toBeLessThanOrEqual(512_000);

    // through a socket pair, as a parent process reads it: the CLI must not exit before its output is out
    const logs = await eng.cli(['logs', 'chatty']);
    const kept = logs.stdout.trim().split('\n').map((l) => Number(l.split(' ')[1]));
    expect(kept.length).toBeLessThan(LINES); // the oldest were dropped with the oldest file
    expect(kept.length).toBeGreaterThan(8000); // two full 512 kB files of 101-byte lines (16-byte frame headers) and the current one
    expect(kept.at(-1), `${kept.length} lines kept, stderr: ${logs.stderr}`).toBe(10000 + LINES - 1);
    // every kept line whole and in order: a file starts at a line's start (the oldest kept one too)
    const gaps = kept.map((n, i) => (Number.isNaN(n) || (i > 0 && n !== kept[i - 1]! + 1) ? `#${i}: ${kept[i - 1]} -> ${n}` : '')).filter(Boolean);
    expect(gaps, `first breaks: ${gaps.slice(0, 5).join(', ')}`).toEqual([]);
    expect((await eng.cli(['inspect', '-f', '{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-size"}}', 'chatty'])).stdout.trim()).toBe('json-file 512k');
    expect((await eng.cli(['rm', 'chatty'])).exitCode).toBe(0);
  }, 240_000);

  it('rotates at a line\'s end when the size is passed in the middle of a line', async () => {
    // each line in two writes, the second one crossing the 1k bound: the rotation waits for its newline
    const halves = 'for i in 1 2 3 4 5 6 7 8; do printf "s$i "; sleep 0.1; printf "%0500d end$i\\n" 0; done';
    const r = await eng.cli(['run', '--name', 'halves', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', IMAGE, 'sh', '-c', halves]);
    expect(r.exitCode, r.stderr).toBe(0);
    const logs = (await eng.cli(['logs', 'halves'])).stdout.trim().split('\n');
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(logs.length).toBeLessThan(8); // the oldest were dropped
    for (const [i, l] of logs.entries()) expect(l, `line ${i} of ${logs.length}`).toMatch(/^s(\d) 0{500} end\1$/);
    expect(logs.at(-1)).toMatch(/end8$/);
    expect((await eng.cli(['rm', 'halves'])).exitCode).toBe(0);
  }, 60_000);

  it('--log-driver none keeps nothing and logs says it cannot read', async () => {
    const r = await eng.cli(['run', '--name', 'quiet', '--log-driver', 'none', IMAGE, 'echo', 'hello']);
    expect(r.stdout.trim()).toBe('hello'); // an attached run still shows the output
    const logs = await eng.cli(['logs', 'quiet']);
    expect(logs.exitCode).toBe(1);
    expect(logs.stderr).toContain('configured logging driver does not support reading');
    expect((await eng.cli(['rm', 'quiet'])).exitCode).toBe(0);
  }, 60_000);

  it('refuses unknown drivers and options by name, creating nothing', async () => {
    for (const [args, msg] of [
      [['--log-driver', 'syslog'], /syslog logging driver/],
      [['--log-opt', 'max-size=lots'], /invalid size/],
      [['--log-opt', 'compress=true'], /compress=true/],
      [['--log-opt', 'nonsense=1'], /unknown log opt 'nonsense'/],
    ] as [string[], RegExp][]) {
      const r = await eng.cli(['run', '--rm', '--name', 'refused', ...args, IMAGE, 'true']);
      expect(r.exitCode, args.join(' ')).toBe(125);
      expect(r.stderr).toMatch(msg);
    }
    expect((await eng.cli(['inspect', 'refused'])).exitCode).toBe(1); // no such container
  }, 60_000);
});
