import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyUp, idShiftFrom } from '../../src/volume/copy-up.js';
import { run } from '../../src/util/exec.js';

const asRoot = process.getuid?.() === 0;
const shift = idShiftFrom({ uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 200000, size: 65536 }] });
const T2001 = new Date('2001-02-03T04:05:06Z');

describe('idShiftFrom', () => {
  it('maps through the user namespace, unmapped ids as the overflow id, none without a userns', () => {
    expect([shift.uid(0), shift.uid(1000), shift.gid(5), shift.uid(70000)]).toEqual([100000, 101000, 200005, 165534]);
    const host = idShiftFrom(null);
    expect([host.uid(0), host.gid(1000)]).toEqual([0, 1000]);
  });
});

describe.skipIf(!asRoot)('copyUp from fake unpacked layers', () => {
  let tmp: string;
  let lower: string;
  let upper: string;
  let n = 0;
  const dest = () => {
    const d = path.join(tmp, `vol${n++}`, '_data');
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const put = (file: string, content: string, o: { uid?: number; gid?: number; mode?: number } = {}) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.chownSync(file, o.uid ?? 0, o.gid ?? 0);
    fs.chmodSync(file, o.mode ?? 0o644);
    fs.utimesSync(file, T2001, T2001);
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'md-copyup-'));
    lower = path.join(tmp, 'l0');
    upper = path.join(tmp, 'l1');
    // bottom layer
    put(path.join(lower, 'etc/passwd'), 'image passwd\n');
    put(path.join(lower, 'data/a.txt'), 'lower a', { uid: 1000, gid: 1000, mode: 0o640 });
    put(path.join(lower, 'data/gone.txt'), 'deleted above');
    put(path.join(lower, 'data/sub/b.txt'), 'b', { uid: 33, gid: 33 });
    put(path.join(lower, 'data/hl1'), 'linked');
    fs.linkSync(path.join(lower, 'data/hl1'), path.join(lower, 'data/hl2'));
    fs.symlinkSync('a.txt', path.join(lower, 'data/ln'));
    fs.symlinkSync('/etc/shadow', path.join(lower, 'data/abs'));
    fs.lchownSync(path.join(lower, 'data/abs'), 7, 7);
    await run('mknod', ['-m', '0640', path.join(lower, 'data/fifo'), 'p']);
    await run('mknod', ['-m', '0600', path.join(lower, 'data/null'), 'c', '1', '3']);
    put(path.join(lower, 'opq/old.txt'), 'old');
    fs.chownSync(path.join(lower, 'data'), 1000, 1000);
    fs.chmodSync(path.join(lower, 'data'), 0o750);
    fs.chmodSync(path.join(lower, 'data/sub'), 0o700);
    fs.utimesSync(path.join(lower, 'data/sub'), T2001, T2001);
    // top layer: an override, a whiteout, an opaque dir, xattrs, a setuid file and hostile links
    put(path.join(upper, 'data/a.txt'), 'upper a', { uid: 1000, gid: 1000, mode: 0o640 });
    put(path.join(upper, 'data/setuid'), '#!/bin/sh\n', { mode: 0o4755 });
    put(path.join(upper, 'data/x.txt'), 'with xattr');
    await run('setfattr', ['-n', 'user.note', '-v', 'hello', path.join(upper, 'data/x.txt')]);
    await run('mknod', ['-m', '0', path.join(upper, 'data/gone.txt'), 'c', '0', '0']);
    put(path.join(upper, 'opq/new.txt'), 'new');
    await run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, 'opq')]);
    fs.chownSync(path.join(upper, 'data'), 1000, 1000);
    fs.chmodSync(path.join(upper, 'data'), 0o750);
    fs.utimesSync(path.join(upper, 'data'), T2001, T2001);
    fs.symlinkSync('/etc', path.join(upper, 'evil'));
    fs.symlinkSync('../../../../../../', path.join(upper, 'evil-up'));
    fs.symlinkSync('/loop', path.join(upper, 'loop'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reproduces the merged view with owners shifted, modes, links, devices, xattrs and mtimes', async () => {
    const d = dest();
    const r = await copyUp([upper, lower], '/data', d, shift, { stagingParent: path.dirname(d) });
    expect(r).toMatchObject({ copied: true, source: '/data' });
    expect(fs.readdirSync(d).sort()).toEqual(['a.txt', 'abs', 'fifo', 'hl1', 'hl2', 'ln', 'null', 'setuid', 'sub', 'x.txt']);
    expect(fs.readdirSync(path.dirname(d))).toEqual(['_data']); // nothing left of the staging dir
    expect(fs.readFileSync(path.join(d, 'a.txt'), 'utf8')).toBe('upper a');
    const a = fs.statSync(path.join(d, 'a.txt'));
    expect([a.uid, a.gid, a.mode & 0o7777, a.mtime.getTime()]).toEqual([101000, 201000, 0o640, T2001.getTime()]);
    const root = fs.statSync(d);
    expect([root.uid, root.gid, root.mode & 0o7777, root.mtime.getTime()]).toEqual([101000, 201000, 0o750, T2001.getTime()]);
    const sub = fs.statSync(path.join(d, 'sub'));
    expect([sub.uid, sub.mode & 0o7777, sub.mtime.getTime()]).toEqual([100000, 0o700, T2001.getTime()]);
    expect(fs.statSync(path.join(d, 'sub/b.txt')).uid).toBe(100033);
    expect(fs.statSync(path.join(d, 'setuid')).mode & 0o7777).toBe(0o4755);
    expect(fs.statSync(path.join(d, 'hl1')).ino).toBe(fs.statSync(path.join(d, 'hl2')).ino);
    expect(fs.readlinkSync(path.join(d, 'ln'))).toBe('a.txt');
    expect(fs.readlinkSync(path.join(d, 'abs'))).toBe('/etc/shadow');
    expect(fs.lstatSync(path.join(d, 'abs')).uid).toBe(100007);
    expect(fs.lstatSync(path.join(d, 'fifo')).isFIFO()).toBe(true);
    const nul = fs.lstatSync(path.join(d, 'null'));
    expect([nul.isCharacterDevice(), nul.rdev, nul.uid]).toEqual([true, fs.statSync('/dev/null').rdev, 100000]);
    const x = await run('getfattr', ['-h', '--only-values', '-n', 'user.note', path.join(d, 'x.txt')]);
    expect(x.stdout).toBe('hello');
  });

  it('applies an opaque directory', async () => {
    const d = dest();
    await copyUp([upper, lower], '/opq', d, shift);
    expect(fs.readdirSync(d)).toEqual(['new.txt']);
  });

  it('resolves a hostile link inside the image, never on the host', async () => {
    const d = dest();
    const r = await copyUp([upper, lower], '/evil', d, shift);
    expect(r.source).toBe('/etc');
    expect(fs.readdirSync(d)).toEqual(['passwd']); // the image's /etc, not the host's
    expect(fs.readFileSync(path.join(d, 'passwd'), 'utf8')).toBe('image passwd\n');
    const up = dest();
    const r2 = await copyUp([upper, lower], '/evil-up/evil-up/etc', up, shift);
    expect([r2.source, fs.readdirSync(up)]).toEqual(['/etc', ['passwd']]);
  });

  it('copies the image root for a link to ../../.. (still the image) and nothing of the host', async () => {
    const d = dest();
    await copyUp([upper, lower], '/evil-up', d, shift);
    expect(fs.readdirSync(d).sort()).toEqual(['data', 'etc', 'evil', 'evil-up', 'loop', 'opq']);
  });

  it('refuses a symlink loop by name', async () => {
    await expect(copyUp([upper, lower], '/loop/x', dest(), shift)).rejects.toThrow('cannot resolve /loop/x in the container: too many levels of symbolic links');
  });

  it('copies nothing into a volume that is not empty, or from a path the image lacks or that is a file', async () => {
    const d = dest();
    fs.writeFileSync(path.join(d, 'mine'), 'x');
    expect(await copyUp([upper, lower], '/data', d, shift)).toMatchObject({ copied: false });
    expect(fs.readdirSync(d)).toEqual(['mine']);
    expect(await copyUp([upper, lower], '/nope', dest(), shift)).toMatchObject({ copied: false, source: '/nope' });
    expect(await copyUp([upper, lower], '/data/gone.txt', dest(), shift)).toMatchObject({ copied: false });
    expect(await copyUp([upper, lower], '/etc/passwd', dest(), shift)).toMatchObject({ copied: false });
  });
});
