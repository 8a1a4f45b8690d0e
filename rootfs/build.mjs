#!/usr/bin/env node
// Builds and pushes the test images (see rootfs/README.md). No internet: busybox comes from
// the host's busybox-static, nginx from Debian .debs fetched with `apt-get download` plus the
// host's copies of its shared libraries (ldd). Usage:
//   node rootfs/build.mjs [--registry http://127.0.0.1:5000] [busybox|nginx|unpack-test|multiarch|all]...
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { packEntries, entriesFromDir, makeLayer, makeConfig, Registry, pushImage, pushIndex } from './lib.mjs';

const T0 = new Date('2024-01-01T00:00:00Z');
const dir = (name, mode = 0o755, extra = {}) => ({ name, type: 'directory', mode, uid: 0, gid: 0, mtime: T0, ...extra });
const file = (name, content, mode = 0o644, extra = {}) => ({ name, type: 'file', content, mode, uid: 0, gid: 0, mtime: T0, ...extra });
const symlink = (name, linkname, extra = {}) => ({ name, type: 'symlink', linkname, mode: 0o777, uid: 0, gid: 0, mtime: T0, ...extra });

/** Sorts entries and inserts any missing parent directories (0755 root) before their children. */
function normalise(entries) {
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const e of entries) {
    const parts = e.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (!byName.has(p)) byName.set(p, dir(p));
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\napp:x:1000:\n';

async function busyboxEntries() {
  const bin = await fs.readFile('/bin/busybox');
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  return normalise([
    dir('bin'), file('bin/busybox', bin, 0o755),
    ...applets.map((a) => symlink(`bin/${a}`, 'busybox')),
    dir('etc'), file('etc/passwd', PASSWD), file('etc/group', GROUP),
    file('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n'),
    dir('root', 0o700), dir('home'), dir('home/app', 0o755, { uid: 1000, gid: 1000 }),
    dir('tmp', 0o1777), dir('var'), dir('var/tmp', 0o1777), dir('run'), dir('proc'), dir('sys'), dir('dev'),
    dir('usr'), dir('usr/bin'), dir('usr/sbin'), dir('sbin'),
  ]);
}

async function nginxEntries() {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-rootfs-nginx-'));
  try {
    // debs are cached beside this script so rebuilds need no mirror at all
    const cache = path.join(path.dirname(new URL(import.meta.url).pathname), '.cache');
    await fs.mkdir(cache, { recursive: true });
    for (const pkg of ['nginx', 'nginx-common']) {
      const have = (await fs.readdir(cache)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
      if (!have) execFileSync('apt-get', ['download', pkg], { cwd: cache, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const x = path.join(work, 'x');
    for (const pkg of ['nginx', 'nginx-common']) {
      const deb = (await fs.readdir(cache)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
      execFileSync('dpkg-deb', ['-x', path.join(cache, deb), x]);
    }
    // service-manager and docs files are not wanted inside a container
    for (const p of ['etc/init.d', 'etc/ufw', 'etc/logrotate.d', 'etc/default', 'lib', 'usr/share/doc', 'usr/share/man', 'usr/share/vim', 'usr/share/apport']) {
      await fs.rm(path.join(x, p), { recursive: true, force: true });
    }
    const entries = (await entriesFromDir(x)).map((e) => ({ ...e, mtime: T0 }));
    const ldd = execFileSync('ldd', [path.join(x, 'usr/sbin/nginx')], { encoding: 'utf8' });
    const missing = ldd.split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(' ')[0]);
    if (missing.length) throw new Error(`nginx needs host libraries that are not installed: ${missing.join(', ')} (apt-get install libssl3 libpcre2-8-0 zlib1g libcrypt1)`);
    const libs = ldd.split('\n').map((l) => l.match(/(\/\S+)\s+\(0x/)?.[1]).filter(Boolean);
    for (const lib of libs) entries.push(file(lib.slice(1), await fs.readFile(await fs.realpath(lib)), 0o755));
    entries.push(
      file('etc/passwd', PASSWD + 'www-data:x:33:33:www-data:/var/www:/bin/false\n'),
      file('etc/group', GROUP + 'www-data:x:33:\n'),
      file('etc/nginx/sites-available/default',
        'server {\n\tlisten 80 default_server;\n\troot /var/www/html;\n\tindex index.html;\n\tserver_name _;\n\tlocation / {\n\t\ttry_files $uri $uri/ =404;\n\t}\n}\n'),
      symlink('etc/nginx/sites-enabled/default', '/etc/nginx/sites-available/default'),
      dir('var/www'), dir('var/www/html'),
      file('var/www/html/index.html', '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1><p>minidock test image</p></body></html>\n'),
      // like the official image: logs go to the container's stdout/stderr
      symlink('var/log/nginx/access.log', '/dev/stdout'), symlink('var/log/nginx/error.log', '/dev/stderr'),
      dir('var/lib/nginx'), dir('run'),
    );
    return normalise(entries);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Three layers exercising every unpack rule; test/integration/image-unpack.test.ts holds the expected tree. */
async function unpackTestLayers() {
  const M = new Date('2021-02-03T04:05:06Z');
  const l1 = [
    dir('etc', 0o755, { mtime: M }), file('etc/keep', 'keep v1\n', 0o644, { mtime: M }), file('etc/gone', 'gone\n'),
    dir('opq'), file('opq/old1', 'old1\n'), dir('opq/sub'), file('opq/sub/old2', 'old2\n'),
    dir('dirgone'), file('dirgone/x', 'x\n'),
    dir('bin'), file('bin/suid', '#!/bin/sh\necho suid\n', 0o4755), file('bin/sgid', 'sgid\n', 0o2711),
    dir('sticky', 0o1777),
    dir('owned', 0o750, { uid: 1234, gid: 5678 }), file('owned/file', 'owned\n', 0o640, { uid: 1234, gid: 5678, mtime: M }),
    dir('links'), file('links/target', 'hello\n', 0o600, { mtime: M }),
    { name: 'links/hard', type: 'link', linkname: 'links/target', mode: 0o600, uid: 0, gid: 0, mtime: M },
    symlink('links/abs', '/etc/keep'), symlink('links/rel', 'target'), symlink('links/dangling', '/nonexistent/file'),
    symlink('links/owned', 'target', { uid: 1234, gid: 5678 }),
    dir('dev'), { name: 'dev/fifo', type: 'fifo', mode: 0o640, uid: 0, gid: 0, mtime: M },
    dir('xattr'), file('xattr/file', 'with xattr\n', 0o644, { pax: { 'SCHILY.xattr.user.minidock': 'hello-xattr' } }),
  ];
  const l2 = [
    dir('etc', 0o755, { mtime: M }), file('etc/.wh.gone', ''), file('etc/added', 'added in layer 2\n'),
    file('.wh.dirgone', ''),
    dir('opq'), file('opq/.wh..wh..opq', ''), file('opq/new', 'new\n'),
  ];
  const l3 = [
    dir('etc', 0o755, { mtime: M }), file('etc/keep', 'keep v3\n', 0o644, { mtime: M }),
    dir('dirgone'), file('dirgone/again', 'recreated\n'),
  ];
  // l3's etc/keep and dirgone/ deliberately come back after l2's whiteout
  return Promise.all([l1, l2, l3].map(async (l) => makeLayer(await packEntries(l))));
}

async function buildBusybox(reg) {
  const layer = makeLayer(await packEntries(await busyboxEntries()));
  const config = makeConfig({ layers: [layer], config: { Cmd: ['sh'] } });
  const m = await pushImage(reg, 'busybox', 'latest', { layers: [layer], config });
  console.log(`busybox:latest ${m.digest}`);
  return layer;
}

async function buildNginx(reg, base) {
  const layer = makeLayer(await packEntries(await nginxEntries()));
  const layers = [base, layer];
  const config = makeConfig({ layers, config: {
    Cmd: ['nginx', '-g', 'daemon off;'], ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGQUIT',
  } });
  const m = await pushImage(reg, 'nginx', 'latest', { layers, config });
  console.log(`nginx:latest ${m.digest}`);
}

/** busybox with a HEALTHCHECK (durations in ns, as docker build writes them): healthy once /tmp/ok exists. */
async function buildHealthcheck(reg, base) {
  const config = makeConfig({ layers: [base], config: {
    Cmd: ['sleep', '3600'],
    Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 1e9, Timeout: 5e9, Retries: 2 },
  } });
  const m = await pushImage(reg, 'healthcheck', 'latest', { layers: [base], config });
  console.log(`healthcheck:latest ${m.digest}`);
}

async function buildUnpackTest(reg) {
  const layers = await unpackTestLayers();
  const config = makeConfig({ layers, config: { Cmd: ['/bin/suid'], WorkingDir: '/etc', User: '1234:5678', Env: ['PATH=/bin', 'FOO=bar'] } });
  const m = await pushImage(reg, 'unpack-test', 'latest', { layers, config });
  console.log(`unpack-test:latest ${m.digest}`);
}

/** Each platform gets a one-file layer naming it, on top of busybox, so a test can tell which was pulled. */
async function buildMultiarch(reg, base) {
  const platforms = [
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm', os: 'linux', variant: 'v7' },
    { architecture: 's390x', os: 'linux' },
  ];
  for (const oci of [true, false]) {
    const entries = [];
    for (const p of platforms) {
      const tag = `${p.architecture}${p.variant ?? ''}`;
      const marker = makeLayer(await packEntries([file('platform', `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}\n`)]));
      const layers = [base, marker];
      const config = makeConfig({ ...p, layers, config: { Cmd: ['cat', '/platform'] } });
      const manifest = await pushImage(reg, 'multiarch', `${oci ? 'oci' : 'docker'}-${tag}`, { layers, config, oci });
      entries.push({ manifest, platform: p });
    }
    const d = await pushIndex(reg, 'multiarch', oci ? 'oci' : 'docker-list', entries, oci);
    console.log(`multiarch:${oci ? 'oci' : 'docker-list'} ${d}`);
  }
}

async function main() {
  let registry = 'http://127.0.0.1:5000';
  const args = process.argv.slice(2);
  const i = args.indexOf('--registry');
  if (i >= 0) { registry = args[i + 1]; args.splice(i, 2); }
  const want = new Set(args.length ? args : ['all']);
  const all = want.has('all');
  const reg = new Registry(registry);
  const base = await buildBusybox(reg);
  if (all || want.has('nginx')) await buildNginx(reg, base);
  if (all || want.has('unpack-test')) await buildUnpackTest(reg);
  if (all || want.has('multiarch')) await buildMultiarch(reg, base);
  if (all || want.has('healthcheck')) await buildHealthcheck(reg, base);
}

main().catch((err) => { console.error(`build failed: ${err.message}`); process.exit(1); });
