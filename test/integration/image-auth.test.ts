// Pulls from registries that want credentials: docker-registry with htpasswd (basic) and with
// auth.token plus our RS256 token server. Both on loopback random ports, stopped afterwards.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageService } from '../../src/image/index.js';
import { CredentialStore } from '../../src/image/credentials.js';
import { ensureTestRegistry, startBasicAuthRegistry, startTokenAuthRegistry, copyImage, type TestRegistry, type TokenRegistry } from '../helpers/registry.js';

const isRoot = process.getuid?.() === 0;
const USER = 'minidock';
const PASS = `pw-${Math.random().toString(36).slice(2)}`;
const basicAuth = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;

describe.skipIf(!isRoot)('image pull with registry auth', () => {
  let basic: TestRegistry | undefined;
  let token: TokenRegistry | undefined;
  let root = '';
  let release = async () => {};
  const svc = (creds?: CredentialStore) => new ImageService({ root, run: path.join(root, 'run') }, { credentials: creds ?? new CredentialStore(path.join(root, 'none.json')) });

  beforeAll(async () => {
    release = await ensureTestRegistry();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-test-auth-'));
    basic = await startBasicAuthRegistry(USER, PASS);
    await copyImage('busybox', 'latest', basic.addr, 'busybox', async () => basicAuth);
    token = await startTokenAuthRegistry(USER, PASS);
    const realm = (await fetch(`http://${token.addr}/v2/`)).headers.get('www-authenticate')!.match(/realm="([^"]+)"/)![1];
    const pushToken = async () => {
      const r = await fetch(`${realm}?service=minidock-test-registry&scope=repository:busybox:pull,push`, { headers: { authorization: basicAuth } });
      return `Bearer ${((await r.json()) as { token: string }).token}`;
    };
    await copyImage('busybox', 'latest', token.addr, 'busybox', pushToken);
  }, 120_000);

  afterAll(async () => {
    await basic?.stop();
    await token?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
    await release();
  });

  it('basic auth: refused without or with wrong credentials, works with them', async () => {
    const s = svc();
    await s.init();
    await expect(s.pull(`${basic!.addr}/busybox`)).rejects.toMatchObject({ code: 'Unauthorized', status: 401 });
    await expect(s.pull(`${basic!.addr}/busybox`, { auth: { username: USER, password: 'wrong' } })).rejects.toMatchObject({ code: 'Unauthorized' });
    const img = await s.pull(`${basic!.addr}/busybox`, { auth: { username: USER, password: PASS } });
    expect(img.repoTags).toEqual([`${basic!.addr}/busybox:latest`]);
  });

  it('login verifies credentials before storing them, logout forgets them', async () => {
    for (const reg of [basic!, token!]) {
      const creds = new CredentialStore(path.join(root, `login-${reg.addr.replace(':', '-')}.json`));
      const s = svc(creds);
      await s.init();
      await expect(s.login(reg.addr, { username: USER, password: 'wrong' })).rejects.toMatchObject({ code: 'Unauthorized' });
      expect(await creds.get(reg.addr)).toBeUndefined();
      await s.login(reg.addr, { username: USER, password: PASS });
      expect(await creds.get(reg.addr)).toEqual({ username: USER, password: PASS });
      expect((await s.pull(`${reg.addr}/busybox`)).config.Cmd).toEqual(['sh']);
      expect(await s.logout(reg.addr)).toBe(true);
      expect(await s.logout(reg.addr)).toBe(false);
    }
  });

  it('bearer tokens: anonymous refused, stored login used, token cached per scope', async () => {
    const creds = new CredentialStore(path.join(root, 'config.json'));
    const s = svc(creds);
    await s.init();
    await expect(s.pull(`${token!.addr}/busybox`)).rejects.toMatchObject({ code: 'Unauthorized' });
    expect(token!.tokenRequests.at(-1)!.authorization).toBeUndefined();
    await creds.set(`http://${token!.addr}`, { username: USER, password: PASS });
    const before = token!.tokenRequests.length;
    const img = await s.pull(`${token!.addr}/busybox:latest`);
    expect(img.config.Cmd).toEqual(['sh']);
    expect(token!.tokenRequests.length).toBe(before + 1);
    expect(token!.tokenRequests.at(-1)!.scope).toEqual(['repository:busybox:pull']);
    await s.pull(`${token!.addr}/busybox:latest`);
    expect(token!.tokenRequests.length).toBe(before + 1); // cached
    expect(await creds.remove(token!.addr)).toBe(true);
    await expect(s.pull(`${token!.addr}/busybox`)).rejects.toMatchObject({ code: 'Unauthorized' });
    const saved = JSON.parse(await fs.readFile(path.join(root, 'config.json'), 'utf8'));
    expect(saved).toEqual({ auths: {} });
  });
});
