// Registries for tests, all on loopback: the shared one on 127.0.0.1:5000 (scripts/registry.sh,
// images from rootfs/build-all.sh) and throwaway docker-registry instances with basic or token
// auth on random ports, each removed by its stop().
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/util/exec.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** MINIDOCK_TEST_REGISTRY / MINIDOCK_TEST_REGISTRY_DIR move the shared registry (e.g. to test a cold start). */
export const REGISTRY = process.env.MINIDOCK_TEST_REGISTRY ?? '127.0.0.1:5000';
const registryEnv = (): Record<string, string> => ({
  MINIDOCK_REGISTRY_ADDR: REGISTRY,
  MINIDOCK_BUILD_REGISTRY: `http://${REGISTRY}`,
  ...(process.env.MINIDOCK_TEST_REGISTRY_DIR ? { MINIDOCK_REGISTRY_DIR: process.env.MINIDOCK_TEST_REGISTRY_DIR } : {}),
});
export const TEST_IMAGES = ['busybox:latest', 'nginx:latest', 'unpack-test:latest', 'multiarch:oci', 'multiarch:docker-list', 'healthcheck:latest'];

async function hasManifest(base: string, image: string): Promise<boolean> {
  const [name, tag] = image.split(':');
  const r = await fetch(`${base}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  return r.status === 200;
}

async function registryAnswers(): Promise<boolean> {
  try { return (await fetch(`http://${REGISTRY}/v2/`)).status === 200; } catch { return false; }
}

/** Starts the shared registry if needed and builds the test images if any is missing. Returns a
 *  release function that stops the registry again only if this call started it. */
export async function ensureTestRegistry(): Promise<() => Promise<void>> {
  const wasRunning = await registryAnswers();
  await run(path.join(REPO_ROOT, 'scripts/registry.sh'), ['start'], { timeoutMs: 30_000, env: registryEnv() });
  const release = async () => {
    if (!wasRunning) await run(path.join(REPO_ROOT, 'scripts/registry.sh'), ['stop'], { timeoutMs: 30_000, env: registryEnv() });
  };
  try {
    for (const img of TEST_IMAGES) {
      if (!(await hasManifest(`http://${REGISTRY}`, img))) {
        await run(path.join(REPO_ROOT, 'rootfs/build-all.sh'), [], { timeoutMs: 300_000, env: registryEnv() });
        break;
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, logFile: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try { await fetch(url); return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry at ${url} did not start: ${await fs.readFile(logFile, 'utf8').catch(() => '')}`);
}

export interface TestRegistry { addr: string; dir: string; stop(): Promise<void> }

/** A throwaway docker-registry; `auth` is the YAML of its auth: section (indented two spaces). */
async function startRegistry(dir: string, authYaml: string): Promise<TestRegistry> {
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${addr}\nauth:\n${authYaml}`);
  const logFile = path.join(dir, 'registry.log');
  const log = await fs.open(logFile, 'w');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  try {
    await waitFor(`http://${addr}/v2/`, child, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { addr, dir, stop };
}

export async function startBasicAuthRegistry(user: string, password: string): Promise<TestRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-test-reg-basic-'));
  try {
    const { stdout } = await run('htpasswd', ['-Bbn', user, password]);
    await fs.writeFile(path.join(dir, 'htpasswd'), stdout.trim() + '\n');
    const reg = await startRegistry(dir, `  htpasswd:\n    realm: minidock-test\n    path: ${dir}/htpasswd\n`);
    return { ...reg, stop: async () => { await reg.stop(); await fs.rm(dir, { recursive: true, force: true }); } };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** libtrust key id: base32 of the first 240 bits of sha256(SPKI DER), in groups of 4 joined by ':'. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const hash = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  return out.match(/.{4}/g)!.join(':');
}

export interface TokenRegistry extends TestRegistry { tokenRequests: { authorization?: string; scope: string[] }[] }

/** A registry with `auth.token`, and a token server (node:http, RS256 JWTs) that admits user:password only. */
export async function startTokenAuthRegistry(user: string, password: string): Promise<TokenRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-test-reg-token-'));
  let server: http.Server | undefined;
  let reg: TestRegistry | undefined;
  const cleanup = async () => {
    await reg?.stop();
    if (server) await new Promise((r) => server!.close(r));
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=minidock-test-token']);
    const keyPem = await fs.readFile(key, 'utf8');
    const x509 = new X509Certificate(await fs.readFile(cert));
    const kid = libtrustKeyId(x509.publicKey.export({ type: 'spki', format: 'der' }) as Buffer);
    const service = 'minidock-test-registry';
    const issuer = 'minidock-test-issuer';
    const tokenRequests: TokenRegistry['tokenRequests'] = [];
    const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const scope = url.searchParams.getAll('scope');
      tokenRequests.push({ authorization: req.headers.authorization, scope });
      if (req.headers.authorization !== expected) { res.writeHead(401, { 'content-type': 'application/json' }); res.end('{"errors":[{"code":"UNAUTHORIZED"}]}'); return; }
      const now = Math.floor(Date.now() / 1000);
      const access = scope.map((s) => { const [type, name, actions] = s.split(':'); return { type, name, actions: actions.split(',') }; });
      const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
      const claims = b64url(JSON.stringify({ iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
      const sig = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(keyPem);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: `${header}.${claims}.${b64url(sig)}`, expires_in: 300 }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const realm = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/token`;
    reg = await startRegistry(dir, `  token:\n    realm: ${realm}\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${cert}\n`);
    return { ...reg, stop: cleanup, tokenRequests };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Pushes an image built by rootfs/lib.mjs to a registry that wants auth; `authHeader` for every request. */
export async function copyImage(fromRepo: string, tag: string, to: string, toRepo: string, authHeader: () => Promise<string>): Promise<void> {
  const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
  const mres = await fetch(`http://${REGISTRY}/v2/${fromRepo}/manifests/${tag}`, { headers: { accept } });
  const mediaType = mres.headers.get('content-type')!;
  const manifest = Buffer.from(await mres.arrayBuffer());
  const m = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
    const blob = Buffer.from(await (await fetch(`http://${REGISTRY}/v2/${fromRepo}/blobs/${d}`)).arrayBuffer());
    const start = await fetch(`http://${to}/v2/${toRepo}/blobs/uploads/`, { method: 'POST', headers: { authorization: await authHeader() } });
    if (start.status !== 202) throw new Error(`upload start to ${to} answered ${start.status}`);
    const loc = new URL(start.headers.get('location')!, `http://${to}`);
    loc.searchParams.set('digest', d);
    const put = await fetch(loc, { method: 'PUT', body: blob, headers: { authorization: await authHeader(), 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`blob put to ${to} answered ${put.status}: ${await put.text()}`);
  }
  const put = await fetch(`http://${to}/v2/${toRepo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { authorization: await authHeader(), 'content-type': mediaType } });
  if (put.status !== 201) throw new Error(`manifest put to ${to} answered ${put.status}: ${await put.text()}`);
}
