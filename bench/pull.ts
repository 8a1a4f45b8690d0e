// Cold pull benchmark: minidock's ImageService vs `docker pull`, same local registry.
// Run: npx vite-node bench/pull.ts -- [--runs 5] [--image 127.0.0.1:5000/nginx:latest] [--no-docker]
// (calls the image service in-process until the CLI exists). For docker it starts a private
// dockerd (own socket, data root under /var/tmp, --iptables=false --bridge=none so the host's
// network is not touched) unless MINIDOCK_BENCH_DOCKER_HOST names a running one, and stops it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ImageService } from '../src/image/index.js';
import { CredentialStore } from '../src/image/credentials.js';
import { run } from '../src/util/exec.js';
import { ensureTestRegistry } from '../test/helpers/registry.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const RUNS = Number(opt('--runs', '5'));
const IMAGE = opt('--image', '127.0.0.1:5000/nginx:latest');
const WITH_DOCKER = !args.includes('--no-docker');

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, max: s[s.length - 1] };
};
const fmt = (x: { min: number; median: number; max: number }) => `min ${x.min.toFixed(0)} ms  median ${x.median.toFixed(0)} ms  max ${x.max.toFixed(0)} ms`;

async function benchMinidock(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const root = await fs.mkdtemp('/var/tmp/minidock-bench-');
    try {
      const svc = new ImageService({ root, run: path.join(root, 'run') }, { credentials: new CredentialStore(path.join(root, 'config.json')) });
      await svc.init();
      const t = performance.now();
      await svc.pull(IMAGE);
      times.push(performance.now() - t);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  }
  return times;
}

async function startDockerd(): Promise<{ host: string; stop: () => Promise<void> }> {
  if (process.env.MINIDOCK_BENCH_DOCKER_HOST) return { host: process.env.MINIDOCK_BENCH_DOCKER_HOST, stop: async () => {} };
  const base = await fs.mkdtemp('/var/tmp/minidock-bench-docker-');
  const sock = path.join(base, 'docker.sock');
  const child: ChildProcess = spawn('dockerd', [
    '--host', `unix://${sock}`, '--data-root', path.join(base, 'data'), '--exec-root', path.join(base, 'exec'),
    '--pidfile', path.join(base, 'docker.pid'), '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none',
    '--storage-driver=overlay2',
  ], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await fs.rm(base, { recursive: true, force: true });
  };
  const host = `unix://${sock}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    try { await run('docker', ['-H', host, 'version'], { timeoutMs: 5000 }); return { host, stop }; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  await stop();
  throw new Error('dockerd did not start');
}

async function benchDocker(): Promise<number[]> {
  const d = await startDockerd();
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await run('docker', ['-H', d.host, 'rmi', '-f', IMAGE], { okExitCodes: [1] });
      await run('docker', ['-H', d.host, 'image', 'prune', '-af'], { okExitCodes: [1] });
      const t = performance.now();
      await run('docker', ['-H', d.host, 'pull', '-q', IMAGE], { timeoutMs: 120_000 });
      times.push(performance.now() - t);
    }
    return times;
  } finally {
    await d.stop();
  }
}

const release = await ensureTestRegistry();
try {
  console.log(`cold pull of ${IMAGE}, ${RUNS} runs each`);
  const m = await benchMinidock();
  console.log(`minidock (ImageService.pull, in-process): ${fmt(stats(m))}  [${m.map((x) => x.toFixed(0)).join(', ')}]`);
  if (WITH_DOCKER) {
    const d = await benchDocker();
    console.log(`docker pull (CLI + dockerd):               ${fmt(stats(d))}  [${d.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`ratio minidock/docker (median): ${(stats(m).median / stats(d).median).toFixed(2)}`);
  }
} finally {
  await release();
}
