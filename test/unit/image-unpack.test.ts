// unpackLayer on synthetic tars built in memory: path escapes, symlink tricks, hard links,
// whiteouts and opaque markers. Runs unprivileged (entries owned by the current user);
// the whiteout case needs mknod of a 0/0 char device and is skipped without root.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { unpackLayer, cleanEntryName } from '../../src/image/unpack.js';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
type E = Partial<tar.Headers> & { name: string; body?: string };

async function tarOf(entries: E[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  for (const e of entries) {
    const { body, ...h } = e;
    await new Promise<void>((res, rej) => pack.entry({ type: 'file', mode: 0o644, uid, gid, mtime: new Date(1_600_000_000_000), ...h }, body ?? (h.type && h.type !== 'file' ? undefined : ''), (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

let work = '';
let dest = '';
let xattrs: [string, string, string][] = [];
const unpack = async (entries: E[]) => unpackLayer(Readable.from([await tarOf(entries)]), dest, {
  setXattr: async (f, n, v) => { xattrs.push([path.relative(dest, f), n, v.toString()]); },
});

beforeEach(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-unit-unpack-'));
  dest = path.join(work, 'layer');
  await fs.mkdir(dest);
  await fs.mkdir(path.join(work, 'outside'));
  await fs.writeFile(path.join(work, 'outside', 'file'), 'original');
  xattrs = [];
});
afterEach(async () => { await fs.rm(work, { recursive: true, force: true }); });

const outsideUntouched = async () => {
  expect((await fs.readdir(path.join(work, 'outside'))).sort()).toEqual(['file']);
  expect(await fs.readFile(path.join(work, 'outside', 'file'), 'utf8')).toBe('original');
  expect((await fs.readdir(work)).sort()).toEqual(['layer', 'outside']);
};

describe('cleanEntryName', () => {
  it.each([
    ['./', ''], ['.', ''], ['/', ''], ['a/b/', 'a/b'], ['./a/./b', 'a/b'], ['/abs/x', 'abs/x'], ['a/../b', 'b'], ['a//b', 'a/b'],
  ])('%j -> %j', (name, want) => expect(cleanEntryName(name)).toBe(want));
  it.each(['..', '../x', 'a/../../x', './../x', '/../x'])('%j escapes', (name) => {
    expect(() => cleanEntryName(name)).toThrow(expect.objectContaining({ code: 'LayerUnsafe' }));
  });
});

describe('unpackLayer', () => {
  it('writes files, dirs, symlinks and hard links with modes and mtimes', async () => {
    const stats = await unpack([
      { name: 'd/', type: 'directory', mode: 0o750, mtime: new Date(1_500_000_000_000) },
      { name: 'd/f', body: 'hello', mode: 0o640 },
      { name: 'd/h', type: 'link', linkname: 'd/f' },
      { name: 'd/s', type: 'symlink', linkname: '../outside/file' },
      { name: 'implicit/parent/file', body: 'x' },
    ]);
    expect(stats).toEqual({ entries: 5, bytes: 6 });
    const st = await fs.lstat(path.join(dest, 'd'));
    expect(st.mode & 0o7777).toBe(0o750);
    expect(st.mtimeMs).toBe(1_500_000_000_000);
    expect((await fs.lstat(path.join(dest, 'd/f'))).mode & 0o777).toBe(0o640);
    expect((await fs.lstat(path.join(dest, 'd/h'))).ino).toBe((await fs.lstat(path.join(dest, 'd/f'))).ino);
    expect(await fs.readlink(path.join(dest, 'd/s'))).toBe('../outside/file');
    expect((await fs.lstat(path.join(dest, 'implicit'))).mode & 0o777).toBe(0o755);
  });

  it.each([['../evil'], ['a/../../evil'], ['./../evil']])('refuses %j', async (name) => {
    await expect(unpack([{ name, body: 'pwned' }])).rejects.toMatchObject({ code: 'LayerUnsafe' });
    await outsideUntouched();
  });

  it('never writes through a symlinked parent directory', async () => {
    await expect(unpack([
      { name: 'link', type: 'symlink', linkname: path.join(work, 'outside') },
      { name: 'link/pwned', body: 'pwned' },
    ])).rejects.toMatchObject({ code: 'LayerUnsafe', message: expect.stringContaining('parent link is a symlink') });
    await expect(unpack([
      { name: 'up', type: 'symlink', linkname: '..' },
      { name: 'up/outside/file', body: 'pwned' },
    ])).rejects.toMatchObject({ code: 'LayerUnsafe' });
    await outsideUntouched();
  });

  it('replaces a symlink with a file instead of following it', async () => {
    await unpack([
      { name: 'f', type: 'symlink', linkname: path.join(work, 'outside', 'file') },
      { name: 'f', body: 'replaced' },
    ]);
    expect(await fs.readFile(path.join(dest, 'f'), 'utf8')).toBe('replaced');
    expect((await fs.lstat(path.join(dest, 'f'))).isFile()).toBe(true);
    await outsideUntouched();
  });

  it('refuses hard links that leave the layer or are missing', async () => {
    await expect(unpack([{ name: 'h', type: 'link', linkname: '../outside/file' }])).rejects.toMatchObject({ code: 'LayerUnsafe' });
    await expect(unpack([{ name: 'h2', type: 'link', linkname: 'missing' }])).rejects.toMatchObject({ code: 'LayerUnsafe', message: expect.stringContaining('not in the layer') });
    await expect(unpack([
      { name: 'ln', type: 'symlink', linkname: path.join(work, 'outside') },
      { name: 'h3', type: 'link', linkname: 'ln/file' },
    ])).rejects.toMatchObject({ code: 'LayerUnsafe' });
    await outsideUntouched();
  });

  it('keeps an existing directory when a dir entry repeats, replaces a file by a dir', async () => {
    await unpack([
      { name: 'a/', type: 'directory' }, { name: 'a/keep', body: 'k' }, { name: 'a/', type: 'directory', mode: 0o700 },
      { name: 'b', body: 'file' }, { name: 'b/', type: 'directory' }, { name: 'b/c', body: 'c' },
    ]);
    expect(await fs.readFile(path.join(dest, 'a/keep'), 'utf8')).toBe('k');
    expect((await fs.lstat(path.join(dest, 'a'))).mode & 0o777).toBe(0o700);
    expect(await fs.readFile(path.join(dest, 'b/c'), 'utf8')).toBe('c');
  });

  it('a repeated entry replaces what an earlier one made: file by hard link, dir by symlink, symlink by dir', async () => {
    await unpack([
      { name: 't', body: 'target' }, { name: 'x', body: 'old' }, { name: 'x', type: 'link', linkname: 't' },
      { name: 'd/', type: 'directory' }, { name: 'd/inner', body: 'i' }, { name: 'd', type: 'symlink', linkname: 't' },
      { name: 's', type: 'symlink', linkname: path.join(work, 'outside') }, { name: 's/', type: 'directory', mode: 0o711 },
      { name: 's/f', body: 'inside' },
    ]);
    expect((await fs.lstat(path.join(dest, 'x'))).ino).toBe((await fs.lstat(path.join(dest, 't'))).ino);
    expect(await fs.readlink(path.join(dest, 'd'))).toBe('t');
    const s = await fs.lstat(path.join(dest, 's'));
    expect(s.isDirectory()).toBe(true);
    expect(s.mode & 0o777).toBe(0o711);
    expect(await fs.readFile(path.join(dest, 's/f'), 'utf8')).toBe('inside');
    await outsideUntouched();
  });

  it('turns opaque markers and PAX xattrs into xattrs', async () => {
    await unpack([
      { name: 'o/', type: 'directory' }, { name: 'o/.wh..wh..opq' }, { name: 'o/new', body: 'n' },
      { name: 'x', body: 'x', pax: { 'SCHILY.xattr.user.k': 'v', comment: 'ignored', 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
      { name: '.wh..wh.plnk/123' },
    ]);
    expect(xattrs).toEqual([['o', 'trusted.overlay.opaque', 'y'], ['x', 'user.k', 'v']]);
    await expect(fs.access(path.join(dest, 'o/.wh..wh..opq'))).rejects.toThrow();
    expect((await fs.readdir(dest)).sort()).toEqual(['o', 'x']); // aufs metadata dropped
  });

  it('rejects a truncated tar', async () => {
    const t = await tarOf([{ name: 'big', body: 'y'.repeat(5000) }]);
    await expect(unpackLayer(Readable.from([t.subarray(0, 2048)]), dest)).rejects.toThrow();
  });

  it.skipIf(uid !== 0)('makes whiteouts 0/0 char devices, removing what was there', async () => {
    await unpack([{ name: 'gone', body: 'x' }, { name: '.wh.gone' }, { name: 'sub/.wh.f' }]);
    for (const p of ['gone', 'sub/f']) {
      const st = await fs.lstat(path.join(dest, p));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(0);
    }
    await expect(unpack([{ name: '.wh.' }])).rejects.toMatchObject({ code: 'LayerUnsafe' });
  });
});
