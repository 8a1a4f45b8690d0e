// cp, diff and export end to end through the CLI under minidock's default user namespace:
// a tree with symlinks, modes and owners both ways (running and stopped containers), tar
// streams on stdin/stdout, symlink-escape attempts contained or refused. Root only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import tar from 'tar-stream';
import { BIN, TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';
import { defaultIdMapping } from '../../src/runtime/idmap.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

interface Entry { name: string; type: string; mode: number; uid: number; gid: number; linkname?: string | null; data: string }

async function tarEntries(buf: Buffer): Promise<Entry[]> {
  const ex = tar.extract();
  const out: Entry[] = [];
  const done = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out.push({ name: e.header.name, type: e.header.type, mode: e.header.mode, uid: e.header.uid, gid: e.header.gid, linkname: e.header.linkname, data: Buffer.concat(chunks).toString() });
    }
  })();
  ex.end(buf);
  await done;
  return out;
}

async function makeTar(entries: { name: string; type?: 'file' | 'directory' | 'symlink'; data?: string; linkname?: string; uid?: number; mode?: number }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, uid: e.uid ?? 0, gid: e.uid ?? 0, mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644) }, e.data ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(!isRoot)('cp, diff and export through the cli (root)', () => {
  let eng: TestEngine;
  let host: string;
  let rootUid: number;

  /** The CLI with binary stdin/stdout. */
  const cliBin = (args: string[], input?: Buffer) => new Promise<{ stdout: Buffer; stderr: string; exitCode: number }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...eng.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr, exitCode: code ?? -1 }));
    child.stdin.end(input ?? Buffer.alloc(0));
  });
  const ok = async (args: string[]) => {
    const r = await eng.cli(args);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.exitCode, args.join(' ')).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
    host = await fs.mkdtemp(path.join(os.tmpdir(), 'mdcp-'));
    rootUid = (await defaultIdMapping({ ...process.env, ...eng.env })).uidMap[0]!.hostId;
  }, 300_000);

  afterAll(async () => {
    if (host) await fs.rm(host, { recursive: true, force: true });
    if (!eng) return;
    const errors = await eng.destroy();
    expect(errors).toEqual([]);
  }, 120_000);

  async function hostTree(dir: string) {
    await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
    await fs.writeFile(path.join(dir, 'sub', 'f'), 'hello\n');
    await fs.chmod(path.join(dir, 'sub', 'f'), 0o640);
    await fs.writeFile(path.join(dir, 'x'), 'exec\n');
    await fs.chmod(path.join(dir, 'x'), 0o755);
    await fs.chown(path.join(dir, 'x'), 1234, 4321);
    await fs.symlink('sub/f', path.join(dir, 'rel'));
    await fs.symlink('/etc/passwd', path.join(dir, 'abs'));
  }

  for (const state of ['running', 'stopped'] as const) {
    it(`round-trips a tree with links, modes and owners (${state} container)`, async () => {
      const name = `cp-${state}`;
      const src = path.join(host, `src-${state}`);
      await hostTree(src);
      if (state === 'running') await ok(['run', '-d', '--name', name, IMAGE, 'sleep', '300']);
      else await ok(['create', '--name', name, IMAGE, 'sleep', '300']);
      // into an existing dir: the tree lands as /tmp/<base>; -a keeps the tar's owners
      await ok(['cp', '-a', src, `${name}:/tmp`]);
      // without -a: container root owns what is written; into a new name
      await ok(['cp', src, `${name}:/tmp/plain`]);
      const got = await cliBin(['cp', `${name}:/tmp/src-${state}`, '-']);
      expect(got.stderr).toBe('');
      const entries = await tarEntries(got.stdout);
      const by = new Map(entries.map((e) => [e.name.replace(/\/$/, ''), e]));
      expect(by.get(`src-${state}/sub/f`)).toMatchObject({ type: 'file', mode: 0o640, uid: 0, data: 'hello\n' });
      expect(by.get(`src-${state}/x`)).toMatchObject({ mode: 0o755, uid: 1234, gid: 4321 });
      expect(by.get(`src-${state}/rel`)).toMatchObject({ type: 'symlink', linkname: 'sub/f' });
      expect(by.get(`src-${state}/abs`)).toMatchObject({ type: 'symlink', linkname: '/etc/passwd' });
      // image files are the container's root's, as it sees them
      expect((await tarEntries((await cliBin(['cp', `${name}:/etc/passwd`, '-'])).stdout))[0]).toMatchObject({ name: 'passwd', uid: 0, gid: 0, mode: 0o644 });
      const plain = await tarEntries((await cliBin(['cp', `${name}:/tmp/plain/x`, '-'])).stdout);
      expect(plain).toMatchObject([{ name: 'x', uid: 0, gid: 0, mode: 0o755 }]);
      if (state === 'running') {
        // the container sees the files as its own: root for the plain copy, 1234 with -a
        expect(await ok(['exec', name, 'stat', '-c', '%u:%g %a', '/tmp/plain/x', `/tmp/src-${state}/x`])).toBe('0:0 755\n1234:4321 755\n');
        const upper = path.join(eng.env.MINIDOCK_ROOT!, 'containers', (await ok(['inspect', '-f', '{{.Id}}', name])).trim(), 'upper', 'tmp', 'plain', 'x');
        expect(fsSync.statSync(upper).uid).toBe(rootUid);
      }
      // back to the host: a new dir named as the destination; `/.` copies the content only
      const back = path.join(host, `back-${state}`);
      await ok(['cp', `${name}:/tmp/src-${state}`, back]);
      expect(await fs.readFile(path.join(back, 'sub', 'f'), 'utf8')).toBe('hello\n');
      expect((await fs.stat(path.join(back, 'sub', 'f'))).mode & 0o777).toBe(0o640);
      expect(await fs.readlink(path.join(back, 'abs'))).toBe('/etc/passwd');
      const content = path.join(host, `content-${state}`);
      await fs.mkdir(content);
      await ok(['cp', `${name}:/tmp/src-${state}/.`, content]);
      expect((await fs.readdir(content)).sort()).toEqual(['abs', 'rel', 'sub', 'x']);
      // a file onto a file; a dir onto a file is refused as docker
      await ok(['cp', `${name}:/tmp/src-${state}/sub/f`, path.join(content, 'x')]);
      expect(await fs.readFile(path.join(content, 'x'), 'utf8')).toBe('hello\n');
      const dirOnFile = await eng.cli(['cp', `${name}:/tmp/src-${state}`, path.join(content, 'x')]);
      expect(dirOnFile).toMatchObject({ exitCode: 1, stderr: 'cannot copy directory\n' });
      const missing = await eng.cli(['cp', `${name}:/nope`, host]);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toMatch(/Could not find the file \/nope in container/);
      await ok(['rm', '-f', name]);
    }, 120_000);
  }

  it('symlinks in the container never lead out of its root', async () => {
    const name = 'cp-escape';
    await ok(['create', '--name', name, IMAGE, 'true']);
    const links = await makeTar([
      { name: 'data', type: 'symlink', linkname: '/etc' },
      { name: 'up', type: 'symlink', linkname: '../../..' },
    ]);
    expect((await cliBin(['cp', '-', `${name}:/`], links)).exitCode).toBe(0);
    await ok(['start', name]);
    await ok(['wait', name]);
    // /data -> /etc resolves inside the container: its passwd, not the host's
    const passwd = await tarEntries((await cliBin(['cp', `${name}:/data/passwd`, '-'])).stdout);
    expect(passwd[0]!.data).toMatch(/^root:x:0:0:root/);
    expect(passwd[0]!.data).toBe(await (async () => {
      const t = await tarEntries((await cliBin(['cp', `${name}:/etc/passwd`, '-'])).stdout);
      return t[0]!.data;
    })());
    // ../../.. is the container root: writing through it stays in the container
    const hostMarker = path.join('/', 'md-cp-escape-marker');
    expect((await cliBin(['cp', '-', `${name}:/up/tmp`], await makeTar([{ name: 'md-cp-escape-marker', data: 'x' }]))).exitCode).toBe(0);
    expect(fsSync.existsSync(hostMarker)).toBe(false);
    expect(fsSync.existsSync(path.join('/tmp', 'md-cp-escape-marker'))).toBe(false);
    expect((await tarEntries((await cliBin(['cp', `${name}:/tmp/md-cp-escape-marker`, '-'])).stdout))[0]!.data).toBe('x');
    // a tar entry climbing out, or writing through a link, is refused
    const climb = await cliBin(['cp', '-', `${name}:/tmp`], await makeTar([{ name: '../x', data: 'x' }]));
    expect(climb.exitCode).toBe(1);
    expect(climb.stderr).toMatch(/refusing tar entry \.\.\/x/);
    const through = await cliBin(['cp', '-', `${name}:/`], await makeTar([{ name: 'data/evil', data: 'x' }]));
    expect(through.exitCode).toBe(1);
    expect(through.stderr).toMatch(/refusing tar entry data\/evil: \/data is a symbolic link/);
    expect(fsSync.existsSync('/etc/evil')).toBe(false);
    await ok(['rm', '-f', name]);
  }, 120_000);

  it('diff shows A/C/D and export lists the root filesystem', async () => {
    const name = 'cp-diff';
    await ok(['run', '--name', name, IMAGE, 'sh', '-c', 'touch /tmp/new && echo x >> /etc/group && rm /bin/vi && mkdir /added']);
    const diff = (await ok(['diff', name])).split('\n').filter(Boolean);
    expect(diff).toEqual(expect.arrayContaining(['C /tmp', 'A /tmp/new', 'C /etc', 'C /etc/group', 'C /bin', 'D /bin/vi', 'A /added']));
    expect(diff.some((l) => /\/etc\/(hosts|hostname|resolv.conf)$/.test(l))).toBe(false);
    const exported = await cliBin(['export', name]);
    expect(exported.exitCode).toBe(0);
    const names = new Set((await tarEntries(exported.stdout)).map((e) => e.name.replace(/\/$/, '')));
    expect(names.has('bin/sh')).toBe(true);
    expect(names.has('tmp/new')).toBe(true);
    expect(names.has('added')).toBe(true);
    expect(names.has('bin/vi')).toBe(false);
    const file = path.join(host, 'export.tar');
    await ok(['export', '-o', file, name]);
    expect((await fs.stat(file)).size).toBe(exported.stdout.length);
    await ok(['rm', name]);
  }, 120_000);
  it('read-only roots and volumes refuse a copy (403); volumes are written in their host dir; a paused container stays paused', async () => {
    await ok(['volume', 'create', 'cpvol']);
    await ok(['create', '--name', 'cp-ro', '--read-only', '-v', 'cpvol:/vol', '-v', `${host}:/rovol:ro`, IMAGE, 'sleep', '300']);
    const file = path.join(host, 'in.txt');
    await fs.writeFile(file, 'v\n');
    const ro = await eng.cli(['cp', file, 'cp-ro:/tmp']);
    expect(ro).toMatchObject({ exitCode: 1, stderr: 'Error response from daemon: container rootfs is marked read-only\n' });
    const roVol = await eng.cli(['cp', file, 'cp-ro:/rovol']);
    expect(roVol).toMatchObject({ exitCode: 1, stderr: 'Error response from daemon: mounted volume is marked read-only\n' });
    // a stopped container's volume is its _data dir; written as the container's root
    await ok(['cp', file, 'cp-ro:/vol/']);
    const data = (await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'cpvol'])).trim();
    expect(await fs.readFile(path.join(data, 'in.txt'), 'utf8')).toBe('v\n');
    expect(fsSync.statSync(path.join(data, 'in.txt')).uid).toBe(rootUid);
    await ok(['start', 'cp-ro']);
    expect(await ok(['exec', 'cp-ro', 'cat', '/vol/in.txt'])).toBe('v\n');
    await ok(['pause', 'cp-ro']);
    const t = await tarEntries((await cliBin(['cp', 'cp-ro:/vol/in.txt', '-'])).stdout);
    expect(t).toMatchObject([{ name: 'in.txt', uid: 0, data: 'v\n' }]);
    expect((await ok(['inspect', '-f', '{{.State.Status}}', 'cp-ro'])).trim()).toBe('paused');
    await ok(['unpause', 'cp-ro']);
    const notDir = await eng.cli(['cp', '-', 'cp-ro:/vol/in.txt']);
    expect(notDir).toMatchObject({ exitCode: 1, stderr: 'destination "cp-ro:/vol/in.txt" must be a directory\n' });
    await ok(['rm', '-f', 'cp-ro']);
    await ok(['volume', 'rm', 'cpvol']);
  }, 120_000);
});
