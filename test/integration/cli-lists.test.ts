// List commands' --format and --filter (images, network ls, volume ls) through the CLI against a
// throwaway engine: docker's fields, `table TEMPLATE` headers, `.Label "key"`, filters by name.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { engineWithImages, isRoot, type TestEngine } from '../helpers/cli.js';
import { REGISTRY } from '../helpers/registry.js';

const IMAGE = `${REGISTRY}/busybox:latest`;

describe.skipIf(!isRoot)('list commands: --format, --filter', () => {
  let eng: TestEngine;
  const tag = `itest-lists-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => { eng = await engineWithImages([IMAGE]); }, 240_000);
  afterAll(async () => {
    const problems: string[] = [];
    if (eng) problems.push(...(await eng.destroy()));
    expect(problems).toEqual([]);
  }, 120_000);

  const ok = async (args: string[]) => {
    const r = await eng.cli(args);
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  it('images: fields per tag, a repository argument, filters, table headers', async () => {
    await ok(['tag', IMAGE, `${tag}:one`]);
    const id = (await ok(['inspect', '-f', '{{.Id}}', IMAGE])).trim();
    const mine = await ok(['images', '--format', '{{.Repository}}|{{.Tag}}|{{.ID}}', tag]);
    expect(mine).toBe(`${tag}|one|${id.slice(7, 19)}\n`);
    expect(await ok(['images', '--filter', `reference=${tag}:*`, '--format', '{{.Tag}} {{.Containers}}'])).toBe('one N/A\n');
    const table = (await ok(['images', '--format', 'table {{.Repository}}\t{{.Size}}', tag])).split('\n');
    expect(table[0]).toMatch(/^REPOSITORY\s+SIZE$/);
    expect(table[1]).toMatch(new RegExp(`^${tag}\\s+[0-9.]+[kMG]?B$`));
    const bad = await eng.cli(['images', '--filter', 'colour=red']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('colour');
  });

  it('network ls: fields, .Label, filters', async () => {
    const net = `${tag}-net`;
    await ok(['network', 'create', '--label', 'tier=front', net]);
    try {
      expect(await ok(['network', 'ls', '--filter', `name=${net}`, '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.Label "tier"}} {{.Labels}}']))
        .toBe(`${net} bridge local false front tier=front\n`);
      expect(await ok(['network', 'ls', '--filter', 'label=tier=front', '-q'])).toMatch(/^[0-9a-f]{12}\n$/);
    } finally {
      await ok(['network', 'rm', net]);
    }
  });

  it('volume ls: fields, .Label, table headers', async () => {
    const vol = `${tag}-vol`;
    await ok(['volume', 'create', '--label', 'keep=yes', vol]);
    try {
      const out = await ok(['volume', 'ls', '--filter', `name=${vol}`, '--format', '{{.Name}} {{.Driver}} {{.Label "keep"}} {{.Mountpoint}}']);
      expect(out).toMatch(new RegExp(`^${vol} local yes /.+/${vol}/_data\\n$`));
      const table = (await ok(['volume', 'ls', '--filter', `name=${vol}`, '--format', 'table {{.Name}}\t{{.Labels}}'])).split('\n');
      expect(table[0]).toMatch(/^VOLUME NAME\s+LABELS$/);
      expect(table[1]).toMatch(new RegExp(`^${vol}\\s+keep=yes$`));
    } finally {
      await ok(['volume', 'rm', vol]);
    }
  });
});
