import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInRoot, type RootNode } from '../../src/volume/resolve.js';
import { LayerView } from '../../src/volume/layer-view.js';
import { run } from '../../src/util/exec.js';

/** A root described by a table: absolute path -> node (dirs implied by their children). */
function tableRoot(entries: Record<string, RootNode>) {
  const all = new Map<string, RootNode>(Object.entries(entries));
  for (const p of Object.keys(entries)) {
    for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) if (!all.has(d)) all.set(d, { type: 'dir' });
  }
  const looked: string[] = [];
  return { looked, lookup: (p: string) => { looked.push(p); return all.get(p); } };
}

describe('resolveInRoot (pure, RESOLVE_IN_ROOT semantics)', () => {
  const root = tableRoot({
    '/etc/passwd': { type: 'file' },
    '/data': { type: 'symlink', target: '/etc' },
    '/up': { type: 'symlink', target: '../../../' },
    '/deep/up': { type: 'symlink', target: '../../../../etc' },
    '/a': { type: 'symlink', target: 'b' },
    '/b': { type: 'symlink', target: '/c/d' },
    '/c/d/file': { type: 'file' },
    '/loop1': { type: 'symlink', target: '/loop2' },
    '/loop2': { type: 'symlink', target: 'loop1' },
    '/self': { type: 'symlink', target: 'self/x' },
    '/srv/rel': { type: 'symlink', target: '../etc/passwd' },
  });

  it.each([
    ['/etc', '/etc', true, []],
    ['/data', '/etc', true, [{ at: '/data', target: '/etc' }]],
    ['/data/passwd', '/etc/passwd', true, [{ at: '/data', target: '/etc' }]],
    ['/data/missing/x', '/etc/missing/x', false, [{ at: '/data', target: '/etc' }]],
    ['/up', '/', true, [{ at: '/up', target: '../../../' }]],
    ['/up/etc/passwd', '/etc/passwd', true, [{ at: '/up', target: '../../../' }]],
    ['/deep/up', '/etc', true, [{ at: '/deep/up', target: '../../../../etc' }]],
    ['/../../../etc', '/etc', true, []],
    ['/a/file', '/c/d/file', true, [{ at: '/a', target: 'b' }, { at: '/b', target: '/c/d' }]],
    ['/srv/rel', '/etc/passwd', true, [{ at: '/srv/rel', target: '../etc/passwd' }]],
    ['/new/dir/', '/new/dir', false, []],
    ['/new/../../etc', '/etc', false, []],
    ['//etc/./passwd', '/etc/passwd', true, []],
  ])('%s -> %s', (p, want, exists, links) => {
    const r = resolveInRoot(p, root.lookup);
    expect(r).toMatchObject({ path: want, exists, symlinks: links });
  });

  it('never looks anything up outside the root', () => {
    for (const p of ['/up/up/up/etc', '/deep/up/../..', '/data/../../..']) resolveInRoot(p, root.lookup);
    expect(root.looked.every((p) => p.startsWith('/') && !p.includes('..') && !p.includes('//'))).toBe(true);
  });

  it('stops at a final link with followFinal: false', () => {
    expect(resolveInRoot('/data', root.lookup, { followFinal: false })).toMatchObject({ path: '/data', exists: true, node: { type: 'symlink', target: '/etc' } });
  });

  it.each([
    ['/loop1', 'cannot resolve /loop1 in the container: too many levels of symbolic links'],
    ['/self', 'cannot resolve /self in the container: too many levels of symbolic links'],
    ['/etc/passwd/x', 'cannot resolve /etc/passwd/x in the container: /etc/passwd is not a directory'],
    ['/etc/passwd/..', 'cannot resolve /etc/passwd/.. in the container: /etc/passwd is not a directory'],
  ])('%s is refused', (p, message) => {
    expect(() => resolveInRoot(p, root.lookup)).toThrow(message);
  });
});

const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)('LayerView over unpacked layers (whiteouts, opaque dirs, hostile links)', () => {
  let tmp: string;
  let lower: string;
  let upper: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'md-view-'));
    lower = path.join(tmp, 'l0');
    upper = path.join(tmp, 'l1');
    for (const d of ['etc', 'app/keep', 'app/gone', 'opq/old', 'file-then-dir']) fs.mkdirSync(path.join(lower, d), { recursive: true });
    fs.writeFileSync(path.join(lower, 'etc/passwd'), 'image passwd\n');
    fs.symlinkSync('/etc', path.join(lower, 'data'));
    fs.mkdirSync(path.join(upper, 'app'), { recursive: true });
    fs.mkdirSync(path.join(upper, 'opq/new'), { recursive: true });
    await run('mknod', ['-m', '0', path.join(upper, 'app/gone'), 'c', '0', '0']);
    await run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, 'opq')]);
    fs.writeFileSync(path.join(upper, 'file-then-dir'), 'now a file');
    fs.symlinkSync('../../../../', path.join(upper, 'escape'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('merges like overlayfs', async () => {
    const view = await LayerView.open([upper, lower]);
    expect(view.readdir('/')).toEqual(['app', 'data', 'escape', 'etc', 'file-then-dir', 'opq']);
    expect(view.readdir('/app')).toEqual(['keep']);
    expect(view.readdir('/opq')).toEqual(['new']);
    expect(view.lookup('/app/gone')).toBeUndefined();
    expect(view.lookup('/file-then-dir')).toEqual({ type: 'file' });
    expect(view.lookup('/data')).toEqual({ type: 'symlink', target: '/etc' });
    expect(view.entry('/etc/passwd')!.abs).toBe(path.join(lower, 'etc/passwd'));
  });

  it('resolves hostile links inside the image', async () => {
    const view = await LayerView.open([upper, lower]);
    expect(resolveInRoot('/data/passwd', view.lookup)).toMatchObject({ path: '/etc/passwd', exists: true });
    expect(resolveInRoot('/escape/etc/passwd', view.lookup)).toMatchObject({ path: '/etc/passwd', exists: true });
    // the host's /etc/hostname (or anything of the host) is never found through the image
    expect(resolveInRoot('/escape/etc/hostname', view.lookup)).toMatchObject({ path: '/etc/hostname', exists: false });
    expect(resolveInRoot('/data/../../../proc/self', view.lookup)).toMatchObject({ path: '/proc/self', exists: false });
  });
});
