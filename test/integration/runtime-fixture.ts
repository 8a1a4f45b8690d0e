// Throwaway busybox container fixture for the runtime integration tests (module B).
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../../src/util/exec.js';
import { defaultSecurity, readLogs, type ContainerSpec, type ExitStatus, type Runtime } from '../../src/runtime/index.js';

export const isRoot = process.getuid?.() === 0;

/** One busybox layer shared by the tests of a file (built from /bin/busybox). */
export async function makeBusyboxLayer(base: string): Promise<string> {
  const layer = path.join(base, 'layer');
  for (const d of ['bin', 'etc', 'root', 'tmp', 'proc', 'sys', 'dev', 'home/app']) await fs.mkdir(path.join(layer, d), { recursive: true });
  await fs.chmod(path.join(layer, 'tmp'), 0o1777);
  await fs.copyFile('/bin/busybox', path.join(layer, 'bin/busybox'));
  await fs.chmod(path.join(layer, 'bin/busybox'), 0o755);
  const { stdout } = await run('/bin/busybox', ['--list']);
  for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox')) {
    await fs.symlink('busybox', path.join(layer, 'bin', applet));
  }
  await fs.writeFile(path.join(layer, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n');
  await fs.writeFile(path.join(layer, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:1500:app\nnobody:x:65534:\n');
  await fs.writeFile(path.join(layer, 'home/app/owned'), 'mine\n');
  await fs.chown(path.join(layer, 'home/app/owned'), 1000, 1000);
  await fs.chown(path.join(layer, 'home/app'), 1000, 1000);
  await fs.writeFile(path.join(layer, 'bin/notexec'), 'plain file\n', { mode: 0o644 });
  return layer;
}

/** Per-container dirs under `base` and a spec with sensible defaults. */
export async function makeSpec(base: string, layer: string, over: Partial<ContainerSpec> = {}): Promise<ContainerSpec> {
  const id = `b${randomBytes(6).toString('hex')}`;
  // same layout as the engine's (containers/<id>, run/containers/<id>) so waitExit(id) finds them
  const dir = path.join(base, 'containers', id);
  const runDir = path.join(base, 'run', 'containers', id);
  for (const d of [dir, runDir, path.join(dir, 'upper'), path.join(dir, 'work')]) await fs.mkdir(d, { recursive: true, mode: 0o711 });
  await fs.writeFile(path.join(dir, 'hostname'), `${id}\n`, { mode: 0o644 });
  await fs.writeFile(path.join(dir, 'hosts'), `127.0.0.1\tlocalhost\n`, { mode: 0o644 });
  await fs.writeFile(path.join(dir, 'resolv.conf'), `nameserver 127.0.0.1\n`, { mode: 0o644 });
  return {
    id,
    layerDirs: [layer],
    upperDir: path.join(dir, 'upper'),
    workDir: path.join(dir, 'work'),
    args: ['/bin/true'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${id}`, 'HOME=/root'],
    cwd: '/',
    uid: 0,
    gid: 0,
    additionalGids: [],
    hostname: id,
    tty: false,
    openStdin: false,
    userns: { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 100000, size: 65536 }] },
    network: 'new',
    etcFiles: { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') },
    logPath: path.join(dir, 'stdio.log'),
    exitPath: path.join(dir, 'exit.json'),
    runDir,
    ...defaultSecurity(),
    ...over,
  };
}

export async function makeBase(): Promise<string> {
  const base = await fs.mkdtemp('/tmp/B-rt-');
  await fs.chmod(base, 0o711);
  for (const d of ['run', 'run/containers', 'containers']) await fs.mkdir(path.join(base, d), { mode: 0o711 });
  return base;
}

/** Starts `spec`, waits for its end and returns its exit status and logged output. */
export async function runToEnd(rt: Runtime, spec: ContainerSpec, pids: number[] = []): Promise<{ exit: ExitStatus; out: string; err: string }> {
  const started = await rt.start(spec, async () => {});
  pids.push(started.pid);
  const exit = await rt.waitExit(spec.id);
  let out = '';
  let err = '';
  for await (const e of readLogs(spec.logPath)) (e.stream === 1 ? (out += e.data) : (err += e.data));
  return { exit, out, err };
}
