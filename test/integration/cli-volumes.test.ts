// Mounts end to end through the CLI, under minidock's default user namespace: binds (rw, ro),
// named and anonymous volumes, tmpfs, --read-only, a hostile symlink, and bad input. Root only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';
import { defaultIdMapping } from '../../src/runtime/idmap.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

describe.skipIf(!isRoot)('volumes through the cli (root)', () => {
  let eng: TestEngine;
  let host: string;
  let rootUid: number;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
    host = await fs.mkdtemp(path.join(os.tmpdir(), 'mdvol-'));
    await fs.chmod(host, 0o755);
    rootUid = (await defaultIdMapping({ ...process.env, ...eng.env })).uidMap[0]!.hostId;
  }, 300_000);

  afterAll(async () => {
    if (host) await fs.rm(host, { recursive: true, force: true });
    if (!eng) return;
    const errors = await eng.destroy();
    expect(errors).toEqual([]);
  }, 120_000);

  const volumeNames = async () => (await eng.cli(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean).sort();
  const containerIds = async () => (await eng.cli(['ps', '-aq'])).stdout.split('\n').filter(Boolean).sort();

  it('bind rw: the container sees host content; what it writes is the mapped root on the host', async () => {
    const dir = path.join(host, 'rw');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'f'), 'from-host\n');
    // binds are not idmapped: container root is an unprivileged host uid, so a root-owned 0755 dir refuses it
    const denied = await eng.cli(['run', '--rm', '-v', `${dir}:/data`, IMAGE, 'touch', '/data/new']);
    expect(denied.stderr).toMatch(/Permission denied/);
    await fs.chmod(dir, 0o777);
    const r = await eng.cli(['run', '--rm', '-v', `${dir}:/data`, IMAGE, 'sh', '-c', 'cat /data/f; echo w > /data/new; stat -c %u /data/new']);
    expect(r).toMatchObject({ stdout: `from-host\n0\n`, exitCode: 0 });
    expect((await fs.stat(path.join(dir, 'new'))).uid).toBe(rootUid); // not idmapped, as docker userns-remap
  });

  it('bind ro: reads work, writes are refused', async () => {
    const dir = path.join(host, 'ro');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'f'), 'ro\n');
    const r = await eng.cli(['run', '--rm', '--mount', `type=bind,source=${dir},target=/data,readonly`, IMAGE, 'sh', '-c', 'cat /data/f; touch /data/x']);
    expect(r.stdout).toBe('ro\n');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Read-only file system/);
    await expect(fs.stat(path.join(dir, 'x'))).rejects.toThrow();
  });

  it('named volume: owned by container root, copy-up of the image content, survives rm -v', async () => {
    const r = await eng.cli(['run', '--name', 'nv', '-v', 'md-named:/etc', IMAGE, 'sh', '-c', 'stat -c "%u %a" /etc; head -1 /etc/passwd; echo x > /etc/mine']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^0 \d+\nroot:x:0:0:/);
    const mp = (await eng.cli(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'md-named'])).stdout.trim();
    expect((await fs.stat(path.join(mp, 'mine'))).uid).toBe(rootUid);
    expect((await fs.stat(path.join(mp, 'passwd'))).uid).toBe(rootUid); // image root's file, shifted
    const mounts = JSON.parse((await eng.cli(['inspect', '-f', '{{json .Mounts}}', 'nv'])).stdout);
    expect(mounts).toEqual([{ Type: 'volume', Name: 'md-named', Source: mp, Destination: '/etc', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
    const inUse = await eng.cli(['volume', 'rm', 'md-named']);
    expect(inUse.exitCode).toBe(1);
    expect(inUse.stderr).toMatch(/volume is in use/);
    expect((await eng.cli(['rm', '-v', 'nv'])).exitCode).toBe(0);
    expect(await volumeNames()).toContain('md-named');
    expect((await eng.cli(['volume', 'rm', 'md-named'])).exitCode).toBe(0);
    expect(await volumeNames()).not.toContain('md-named');
  });

  it('anonymous volumes: rm keeps them, rm -v and --rm remove them', async () => {
    const before = await volumeNames();
    expect((await eng.cli(['run', '--name', 'an1', '-v', '/anon', IMAGE, 'sh', '-c', 'echo a > /anon/f'])).exitCode).toBe(0);
    const [m] = JSON.parse((await eng.cli(['inspect', '-f', '{{json .Mounts}}', 'an1'])).stdout);
    expect(m).toMatchObject({ Type: 'volume', Destination: '/anon', Driver: 'local', RW: true });
    expect(m.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(await fs.readFile(path.join(m.Source, 'f'), 'utf8')).toBe('a\n');
    expect((await eng.cli(['rm', '-v', 'an1'])).exitCode).toBe(0);
    expect(await volumeNames()).toEqual(before);
    expect((await eng.cli(['run', '--name', 'an2', '-v', '/anon', IMAGE, 'true'])).exitCode).toBe(0);
    expect((await eng.cli(['rm', 'an2'])).exitCode).toBe(0);
    const kept = (await volumeNames()).filter((n) => !before.includes(n));
    expect(kept).toHaveLength(1);
    expect((await eng.cli(['volume', 'rm', kept[0]!])).exitCode).toBe(0);
    expect((await eng.cli(['run', '--rm', '-v', '/anon', IMAGE, 'true'])).exitCode).toBe(0);
    expect(await volumeNames()).toEqual(before);
  });

  it('--volumes-from shares the volume, read-only when asked', async () => {
    expect((await eng.cli(['create', '--name', 'src1', '-v', 'md-shared:/s', IMAGE, 'true'])).exitCode).toBe(0);
    const r = await eng.cli(['run', '--rm', '--volumes-from', 'src1:ro', IMAGE, 'sh', '-c', 'test -d /s && touch /s/x']);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect((await eng.cli(['rm', '-v', 'src1'])).exitCode).toBe(0);
    expect((await eng.cli(['volume', 'rm', 'md-shared'])).exitCode).toBe(0);
  });

  it('tmpfs: docker defaults (nosuid,nodev,noexec), size and mode, owned by container root', async () => {
    const r = await eng.cli(['run', '--rm', '--tmpfs', '/t:size=1m,mode=0700', IMAGE, 'sh', '-c', 'stat -c "%a %u" /t; grep " /t " /proc/mounts']);
    expect(r.stderr).toBe('');
    const [stat, mount] = r.stdout.split('\n');
    expect(stat).toBe('700 0');
    expect(mount).toMatch(/^tmpfs \/t tmpfs rw,nosuid,nodev,noexec,.*size=1024k/);
  });

  it('--read-only refuses writes to / but not to a tmpfs or the volumes', async () => {
    const r = await eng.cli(['run', '--rm', '--read-only', '--tmpfs', '/scratch', '-v', '/anon', IMAGE, 'sh', '-c',
      'touch /x 2>/dev/null || echo root-refused; touch /scratch/y && echo tmpfs-ok; touch /anon/z && echo volume-ok']);
    expect(r).toMatchObject({ stdout: 'root-refused\ntmpfs-ok\nvolume-ok\n', exitCode: 0 });
  });

  it('a symlink the container puts in its own rootfs cannot send a mount onto a host path', async () => {
    const src = path.join(host, 'src');
    const sentinel = path.join(host, 'sentinel'); // a host dir the link names
    await fs.mkdir(src);
    await fs.mkdir(sentinel);
    await fs.writeFile(path.join(src, 'f'), 'bound\n');
    expect((await eng.cli(['create', '--name', 'evil', '-v', `${src}:/a/b`, IMAGE, 'sh', '-c',
      `test -L /a && exit 0; mv /a /a.old && mkdir -p ${sentinel} && ln -s ${sentinel} /a`])).exitCode).toBe(0);
    const first = await eng.cli(['start', '-a', 'evil']);
    expect(first.exitCode, first.stderr).toBe(0);
    const second = await eng.cli(['start', '-a', 'evil']);
    expect(second.exitCode, second.stderr).toBe(0);
    const seen = await eng.cli(['run', '--rm', '--volumes-from', 'evil', IMAGE, 'cat', '/a/b/f']);
    expect(seen.stdout).toBe('bound\n');
    expect(await fs.readdir(sentinel)).toEqual([]); // nothing created or mounted on the host path
    expect((await fs.readFile('/proc/self/mountinfo', 'utf8')).includes(sentinel)).toBe(false);
    expect((await eng.cli(['rm', 'evil'])).exitCode).toBe(0);
  });

  it('bad input: one clear line, exit 125, nothing created', async () => {
    const ids = await containerIds();
    const vols = await volumeNames();
    const cases: [string[], RegExp][] = [
      [['--mount', 'type=bind,source=/nonexistent-md-src,target=/d'], /bind source path does not exist: \/nonexistent-md-src/],
      [['-v', `${host}:relative`], /invalid volume specification|mount path must be absolute/],
      [['--mount', 'type=bind,src=/tmp,dst=/d,bogus=1'], /unexpected key 'bogus'/],
      [['-v', 'md-never:/x', '--mount', 'type=tmpfs,target=/x'], /Duplicate mount point: \/x/],
      [['--tmpfs', '/dev/shm'], /does not support a mount at \/dev\/shm/],
    ];
    for (const [flags, msg] of cases) {
      const r = await eng.cli(['run', '--rm', ...flags, IMAGE, 'true']);
      expect(r.exitCode, r.stderr).toBe(125);
      // one line (the CLI's usual usage hint aside)
      expect(r.stderr.split('\n').filter((l) => l && !l.startsWith("Run 'minidock"))).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    expect(await containerIds()).toEqual(ids);
    expect(await volumeNames()).toEqual(vols);
  });
});
