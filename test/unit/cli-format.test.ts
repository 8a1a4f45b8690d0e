import { describe, expect, it } from 'vitest';
import { formatG, humanDuration, humanSize, table, formatPorts, formatCommand, containerStatus, psRows, imageRows, networkRows } from '../../src/cli/format.js';

describe('humanSize (go-units, 3 significant digits, decimal)', () => {
  it.each([
    [0, '0B'], [999, '999B'], [1000, '1kB'], [1234, '1.23kB'], [4_261_000, '4.26MB'], [999_500, '1e+03kB'],
    [1_000_000_000, '1GB'], [12_345_678, '12.3MB'],
  ])('%d → %s', (n, s) => expect(humanSize(n)).toBe(s));
  it('formats like Go %g', () => {
    expect(formatG(0.5, 3)).toBe('0.5');
    expect(formatG(1234567, 3)).toBe('1.23e+06');
  });
});

describe('humanDuration (go-units)', () => {
  const s = 1000;
  it.each([
    [0, 'Less than a second'], [999, 'Less than a second'], [1 * s, '1 second'], [5 * s, '5 seconds'], [59 * s, '59 seconds'],
    [60 * s, 'About a minute'], [119 * s, 'About a minute'], [120 * s, '2 minutes'], [59 * 60 * s, '59 minutes'],
    [60 * 60 * s, 'About an hour'], [89 * 60 * s, 'About an hour'], [90 * 60 * s, '2 hours'], [47 * 3600 * s, '47 hours'],
    [48 * 3600 * s, '2 days'], [14 * 24 * 3600 * s, '2 weeks'], [60 * 24 * 3600 * s, '2 months'], [2 * 365 * 24 * 3600 * s, '2 years'],
  ])('%d ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('table (tabwriter minwidth 10, padding 3)', () => {
  it('pads all but the last column', () => {
    expect(table([['A', 'LONGER HEADER', 'X'], ['value', 'v', 'last']])).toBe('A         LONGER HEADER   X\nvalue     v               last\n');
  });
});

describe('ps columns', () => {
  it('formats ports like docker', () => {
    expect(formatPorts([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }])).toBe('0.0.0.0:8080->80/tcp, 443/tcp');
  });
  it('quotes and truncates the command', () => {
    expect(formatCommand('echo hi', false)).toBe('"echo hi"');
    expect(formatCommand('sh -c while true; do sleep 1; done', false)).toBe('"sh -c while true; d…"');
    expect(formatCommand('sh -c while true; do sleep 1; done', true)).toBe('"sh -c while true; do sleep 1; done"');
  });
  it('words the status', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    expect(containerStatus({ status: 'running', exitCode: 0, startedAt: '2026-01-01T00:00:57Z' }, now)).toBe('Up 3 seconds');
    expect(containerStatus({ status: 'exited', exitCode: 1, finishedAt: '2025-12-31T23:59:00Z' }, now)).toBe('Exited (1) 2 minutes ago');
    expect(containerStatus({ status: 'created', exitCode: 0 }, now)).toBe('Created');
  });
  it('builds ps rows', () => {
    const now = Date.parse('2026-01-01T00:00:05Z');
    const rows = psRows([{ Id: 'a'.repeat(64), Names: ['/x'], Image: 'busybox', Command: 'true', Created: Date.parse('2026-01-01T00:00:00Z') / 1000, State: 'created', Status: 'Created', Ports: [] }], { noTrunc: false, now });
    expect(rows[1]).toEqual(['aaaaaaaaaaaa', 'busybox', '"true"', '5 seconds ago', 'Created', '', 'x']);
  });
  it('builds image and network rows', () => {
    const rows = imageRows([{ Id: 'sha256:' + 'b'.repeat(64), RepoTags: ['localhost:5000/busybox:latest'], Created: 0, Size: 4_261_000 }], 10 * 365 * 24 * 3600 * 1000);
    expect(rows[1]).toEqual(['localhost:5000/busybox', 'latest', 'bbbbbbbbbbbb', '10 years ago', '4.26MB']);
    expect(networkRows([{ Id: 'c'.repeat(12), Name: 'bridge', Driver: 'bridge', Scope: 'local' }])[1]).toEqual(['cccccccccccc', 'bridge', 'bridge', 'local']);
  });
});

import { dockerUsageError, buildProgram } from '../../src/cli/main.js';

describe('usage errors', () => {
  it('words commander errors like docker', () => {
    expect(dockerUsageError("error: unknown option '--bogus'\n")).toBe('unknown flag: --bogus\n');
    expect(dockerUsageError("error: missing required argument 'image'\n")).toBe('"image" requires an argument\n');
  });
  it('parses run flags and keeps options after the image for the command', async () => {
    const program = buildProgram();
    const run = program.commands.find((c) => c.name() === 'run')!;
    let got: unknown;
    run.action((image: string, cmd: string[], o: Record<string, unknown>) => { got = { image, cmd, o }; });
    await program.parseAsync(['node', 'minidock', 'run', '-it', '--rm', '-e', 'A=1', '-e', 'B', '-p', '80', '-p', '90:91', '-h', 'hn', 'busybox', 'ls', '-la', '--rm'], { from: 'node' });
    expect(got).toEqual({
      image: 'busybox', cmd: ['ls', '-la', '--rm'],
      o: { interactive: true, tty: true, rm: true, env: ['A=1', 'B'], publish: ['80', '90:91'], hostname: 'hn', healthcheck: true /* --no-healthcheck not given */ },
    });
  });
});
