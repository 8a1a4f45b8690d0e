// The unpack-test image (rootfs/build.mjs unpackTestLayers) pulled and compared file by file
// with the tree Docker's overlay2 driver would write. Root: ownership, mknod, trusted.* xattrs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageService } from '../../src/image/index.js';
import { CredentialStore } from '../../src/image/credentials.js';
import { run } from '../../src/util/exec.js';
import { ensureTestRegistry, REGISTRY } from '../helpers/registry.js';

const isRoot = process.getuid?.() === 0;
const M = Date.parse('2021-02-03T04:05:06Z') / 1000;

interface Node { type: string; mode: number; uid: number; gid: number; mtime?: number; content?: string; link?: string; rdev?: number; ino?: number }

async function snapshot(dir: string): Promise<Record<string, Node>> {
  const out: Record<string, Node> = {};
  async function walk(rel: string) {
    for (const n of (await fs.readdir(path.join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = await fs.lstat(path.join(dir, r));
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : 'other';
      const node: Node = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino };
      if (type === 'file') node.content = await fs.readFile(path.join(dir, r), 'utf8');
      if (type === 'symlink') node.link = await fs.readlink(path.join(dir, r));
      if (type === 'char') node.rdev = st.rdev;
      out[r] = node;
      if (type === 'dir') await walk(r);
    }
  }
  await walk('');
  return out;
}

const xattr = async (file: string, name: string) =>
  (await run('getfattr', ['-h', '--only-values', '-n', name, '--', file], { okExitCodes: [1] })).stdout;

describe.skipIf(!isRoot)('image unpack (unpack-test image)', () => {
  let root = '';
  let dirs: string[] = [];
  let release = async () => {};
  beforeAll(async () => {
    release = await ensureTestRegistry();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-test-unpack-'));
    const svc = new ImageService({ root, run: path.join(root, 'run') }, { credentials: new CredentialStore(path.join(root, 'c.json')) });
    await svc.init();
    const img = await svc.pull(`${REGISTRY}/unpack-test`);
    expect(img.config).toMatchObject({ Cmd: ['/bin/suid'], WorkingDir: '/etc', User: '1234:5678', Env: ['PATH=/bin', 'FOO=bar'] });
    dirs = svc.layerDirs(img);
  }, 300_000);
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
    await release();
  });

  it('layer 1: modes, owners, mtimes, links, fifo, xattr', async () => {
    const t = await snapshot(dirs[0]);
    expect(Object.keys(t)).toEqual([
      'bin', 'bin/sgid', 'bin/suid', 'dev', 'dev/fifo', 'dirgone', 'dirgone/x', 'etc', 'etc/gone', 'etc/keep',
      'links', 'links/abs', 'links/dangling', 'links/hard', 'links/owned', 'links/rel', 'links/target',
      'opq', 'opq/old1', 'opq/sub', 'opq/sub/old2', 'owned', 'owned/file', 'sticky', 'xattr', 'xattr/file',
    ]);
    expect(t['bin/suid']).toMatchObject({ type: 'file', mode: 0o4755, uid: 0, content: '#!/bin/sh\necho suid\n' });
    expect(t['bin/sgid']).toMatchObject({ type: 'file', mode: 0o2711 });
    expect(t.sticky).toMatchObject({ type: 'dir', mode: 0o1777 });
    expect(t.owned).toMatchObject({ type: 'dir', mode: 0o750, uid: 1234, gid: 5678 });
    expect(t['owned/file']).toMatchObject({ type: 'file', mode: 0o640, uid: 1234, gid: 5678, mtime: M, content: 'owned\n' });
    expect(t.etc).toMatchObject({ type: 'dir', mode: 0o755, mtime: M }); // dir mtime survives its children being written
    expect(t['etc/keep']).toMatchObject({ content: 'keep v1\n', mtime: M });
    expect(t['links/target']).toMatchObject({ type: 'file', mode: 0o600, content: 'hello\n', mtime: M });
    expect(t['links/hard'].ino).toBe(t['links/target'].ino);
    expect(t['links/abs']).toMatchObject({ type: 'symlink', link: '/etc/keep' });
    expect(t['links/rel']).toMatchObject({ type: 'symlink', link: 'target' });
    expect(t['links/dangling']).toMatchObject({ type: 'symlink', link: '/nonexistent/file' });
    expect(t['links/owned']).toMatchObject({ type: 'symlink', uid: 1234, gid: 5678 });
    expect(t['dev/fifo']).toMatchObject({ type: 'fifo', mode: 0o640 });
    expect(await xattr(path.join(dirs[0], 'xattr/file'), 'user.minidock')).toBe('hello-xattr');
  });

  it('layer 2: whiteouts as 0/0 char devices and an opaque dir', async () => {
    const t = await snapshot(dirs[1]);
    expect(Object.keys(t)).toEqual(['dirgone', 'etc', 'etc/added', 'etc/gone', 'opq', 'opq/new']);
    expect(t['etc/gone']).toMatchObject({ type: 'char', rdev: 0, uid: 0, gid: 0 });
    expect(t.dirgone).toMatchObject({ type: 'char', rdev: 0 });
    expect(t['etc/added'].content).toBe('added in layer 2\n');
    expect(await xattr(path.join(dirs[1], 'opq'), 'trusted.overlay.opaque')).toBe('y');
    expect(await xattr(path.join(dirs[1], 'etc'), 'trusted.overlay.opaque')).toBe('');
  });

  it('layer 3: re-adds what layer 2 removed', async () => {
    const t = await snapshot(dirs[2]);
    expect(Object.keys(t)).toEqual(['dirgone', 'dirgone/again', 'etc', 'etc/keep']);
    expect(t['etc/keep'].content).toBe('keep v3\n');
    expect(t.dirgone.type).toBe('dir');
  });

  it('merged through overlayfs like a container sees it', async () => {
    const mnt = path.join(root, 'merged');
    await fs.mkdir(mnt);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${[...dirs].reverse().join(':')}`, mnt]);
    try {
      const t = await snapshot(mnt);
      expect(t['etc/gone']).toBeUndefined();
      expect(t['dirgone/x']).toBeUndefined();
      expect(t['dirgone/again'].content).toBe('recreated\n');
      expect(t['opq/old1']).toBeUndefined();
      expect(t['opq/sub']).toBeUndefined();
      expect(t['opq/new'].content).toBe('new\n');
      expect(t['etc/keep'].content).toBe('keep v3\n');
      expect(t['etc/added'].content).toBe('added in layer 2\n');
      expect(await fs.readFile(path.join(mnt, 'links/rel'), 'utf8')).toBe('hello\n');
    } finally {
      await run('umount', [mnt]);
    }
  });
});
