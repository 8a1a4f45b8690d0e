// push / history / save / load through the CLI against a throwaway engine: push to the shared
// loopback registry and pull back by digest (same image id: the layers are rebuilt byte for
// byte), a push to a basic-auth registry after login, save -> rmi -> load -> run, history.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { engineWithImages, isRoot, type TestEngine } from '../helpers/cli.js';
import { REGISTRY, startBasicAuthRegistry, type TestRegistry } from '../helpers/registry.js';

const IMAGE = `${REGISTRY}/busybox:latest`;
const ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json';

describe.skipIf(!isRoot)('images: push, history, save, load', () => {
  let eng: TestEngine;
  const pushed: { repo: string; digest: string }[] = [];
  const repo = `itest-push-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => { eng = await engineWithImages([IMAGE]); }, 240_000);
  afterAll(async () => {
    const problems: string[] = [];
    // what this test pushed to the shared registry (its blobs stay until the registry's gc)
    for (const p of pushed) {
      const r = await fetch(`http://${REGISTRY}/v2/${p.repo}/manifests/${p.digest}`, { method: 'DELETE' });
      if (r.status !== 202 && r.status !== 404) problems.push(`delete ${p.repo}@${p.digest}: ${r.status}`);
    }
    if (eng) problems.push(...(await eng.destroy()));
    expect(problems).toEqual([]);
  }, 120_000);

  const id = async (ref: string) => (await eng.cli(['inspect', '-f', '{{.Id}}', ref])).stdout.trim();

  it('history lists the config history newest first, the top entry with the image id', async () => {
    const imageId = await id(IMAGE);
    const h = await eng.cli(['history', IMAGE]);
    expect(h.exitCode, h.stderr).toBe(0);
    const lines = h.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]!.startsWith(imageId.slice(7, 19))).toBe(true);
    for (const l of lines.slice(2)) expect(l.startsWith('<missing>')).toBe(true);
    const q = await eng.cli(['history', '-q', '--no-trunc', IMAGE]);
    expect(q.stdout.split('\n')[0]).toBe(imageId);
    const missing = await eng.cli(['history', 'no-such-image:nope']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('No such image');
  });

  it('push to the loopback registry, then pull back by digest gives the same image id', async () => {
    const target = `${REGISTRY}/${repo}:t1`;
    expect((await eng.cli(['tag', IMAGE, target])).exitCode).toBe(0);
    const p = await eng.cli(['push', target], { timeoutMs: 120_000 });
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stdout).toContain(`The push refers to repository [${REGISTRY}/${repo}]`);
    const m = /t1: digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(p.stdout);
    expect(m, p.stdout).not.toBeNull();
    const digest = m![1]!;
    pushed.push({ repo, digest });
    // the registry serves what was pushed under the digest push reported
    const r = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/t1`, { headers: { accept: ACCEPT } });
    expect(r.headers.get('docker-content-digest')).toBe(digest);
    expect(Number(m![2])).toBe((await r.arrayBuffer()).byteLength);
    // a second push finds every layer there already
    const again = await eng.cli(['push', target]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('Layer already exists');
    expect(again.stdout).not.toMatch(/: Pushed$/m);

    const imageId = await id(IMAGE);
    const untag = await eng.cli(['rmi', target]);
    expect(untag.exitCode).toBe(0);
    // as dockerd: the repository's digest reference goes with its last tag
    expect(untag.stdout).toBe(`Untagged: ${target}\nUntagged: ${REGISTRY}/${repo}@${digest}\n`);
    const byDigest = `${REGISTRY}/${repo}@${digest}`;
    const pull = await eng.cli(['pull', byDigest]);
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(await id(byDigest)).toBe(imageId);
  }, 180_000);

  it('push of an unknown image fails naming it', async () => {
    const p = await eng.cli(['push', `${REGISTRY}/${repo}:no-such-tag`]);
    expect(p.exitCode).toBe(1);
    expect(p.stderr).toContain(`${REGISTRY}/${repo}:no-such-tag`);
  });

  it('push to a registry that wants a login: refused without it, pushed after it', async () => {
    let reg: TestRegistry | undefined;
    try {
      reg = await startBasicAuthRegistry('pushuser', 'pushpass');
      const target = `${reg.addr}/private/busybox:v1`;
      expect((await eng.cli(['tag', IMAGE, target])).exitCode).toBe(0);
      const refused = await eng.cli(['push', target]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/unauthorized/);
      const login = await eng.cli(['login', '-u', 'pushuser', '--password-stdin', reg.addr], { input: 'pushpass\n' });
      expect(login.exitCode, login.stderr).toBe(0);
      const ok = await eng.cli(['push', target]);
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/v1: digest: sha256:[0-9a-f]{64}/);
      expect((await eng.cli(['rmi', target])).exitCode).toBe(0);
    } finally {
      await reg?.stop();
    }
  }, 180_000);

  it('save -> rmi -> load -> run', async () => {
    const file = path.join(eng.dir, 'busybox.tar');
    const imageId = await id(IMAGE);
    const s = await eng.cli(['save', '-o', file, IMAGE]);
    expect(s.exitCode, s.stderr).toBe(0);
    // the image goes with all its names and layers, so load has to bring it back
    const rmi = await eng.cli(['rmi', '-f', imageId]);
    expect(rmi.exitCode, rmi.stderr).toBe(0);
    expect((await eng.cli(['inspect', imageId])).exitCode).toBe(1);
    const l = await eng.cli(['load', '-i', file]);
    expect(l.exitCode, l.stderr).toBe(0);
    expect(l.stdout).toBe(`Loaded image: ${IMAGE}\n`);
    expect(await id(IMAGE)).toBe(imageId);
    const r = await eng.cli(['run', '--rm', IMAGE, 'echo', 'loaded']);
    expect(r).toMatchObject({ stdout: 'loaded\n', exitCode: 0 });
    // a corrupted archive is refused: the layer no longer matches its diff id
    const data = await fs.readFile(file);
    const i = data.indexOf(Buffer.from('bin/busybox'));
    expect(i).toBeGreaterThan(0);
    const bad = Buffer.from(data);
    bad[i + 2048] ^= 0xff;
    const badFile = path.join(eng.dir, 'bad.tar');
    await fs.writeFile(badFile, bad);
    expect((await eng.cli(['rmi', IMAGE])).exitCode).toBe(0);
    const refused = await eng.cli(['load', '-i', badFile]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/archived layer sha256:[0-9a-f]{64} failed verification: expected sha256:/);
    expect((await eng.cli(['load', '-i', file])).exitCode).toBe(0);
  }, 120_000);

  it('commit: the container changes (files, deletions, ownership) and --change become a new image', async () => {
    const name = `commit-${randomBytes(3).toString('hex')}`;
    const r = await eng.cli(['run', '--name', name, '-e', 'FROM_RUN=1', IMAGE, 'sh', '-c',
      'echo committed > /marker && mkdir -p /data/sub && chown 1000:1000 /data/sub && rm /etc/group && ln -s /marker /link']);
    expect(r.exitCode, r.stderr).toBe(0);
    const tag = 'committed/app:v1';
    const c = await eng.cli(['commit', '-m', 'a message', '-c', 'LABEL com.example.k="v w"', '-c', 'CMD ["cat", "/marker"]', '-c', 'ENV EXTRA=2', name, tag]);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await eng.cli(['rm', name])).exitCode).toBe(0);
    const run = await eng.cli(['run', '--rm', tag]);
    expect(run).toMatchObject({ stdout: 'committed\n', exitCode: 0 });
    const check = await eng.cli(['run', '--rm', tag, 'sh', '-c', 'stat -c "%u:%g" /marker /data/sub; test -e /etc/group && echo group-there; readlink /link; echo "$FROM_RUN $EXTRA"']);
    expect(check).toMatchObject({ stdout: '0:0\n1000:1000\n/marker\n1 2\n', exitCode: 0 });
    const labels = await eng.cli(['inspect', '-f', '{{json .Config.Labels}}', tag]);
    expect(JSON.parse(labels.stdout)).toEqual({ 'com.example.k': 'v w' });
    const h = await eng.cli(['history', '--no-trunc', tag]);
    expect(h.stdout.split('\n')[1]).toMatch(/sh -c echo committed > \/marker .*a message/);
    // an instruction commit cannot apply is refused by name
    const created = (await eng.cli(['create', IMAGE, 'true'])).stdout.trim();
    const bad = await eng.cli(['commit', '-c', 'RUN true', created]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('RUN is not a valid change command');
    expect((await eng.cli(['rm', created])).exitCode).toBe(0);
    expect((await eng.cli(['rmi', tag])).exitCode).toBe(0);
  }, 120_000);
});
