// Network policies end to end: the lab of seed article 003 on minidock. A web server labelled
// app=web lives in the network `restricted`; sleepybox1 (access=yes) and sleepybox2
// (access=noway) are in `restricted` and in the default namespace (the builtin bridge). The
// lab's policy lets in only access=yes pods from the default namespace on port 80: sleepybox1
// gets in, sleepybox2 is refused until `update --label access=yes`. An egress policy then
// stops a container reaching a "LAN host" (a netns this test creates in 198.19/16) while the
// network's DNS still answers; removing the policies restores everything and removes the
// policy table. Root only; own throwaway engine, LAN host removed in afterAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestEngine, engineWithImages, isRoot } from '../helpers/cli.js';
import { LanHostRun } from '../parity/lan.js';
import { PAGE } from '../parity/scenarios.js';
import { run } from '../../src/util/exec.js';

const IMAGE = '127.0.0.1:5000/busybox:latest';

const LAB = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: mynp
  namespace: restricted
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes:
  - Ingress
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: bridge
      podSelector:
        matchLabels:
          access: "yes"
    ports:
    - protocol: TCP
      port: 80
`;

const EGRESS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: no-lan
  namespace: restricted
spec:
  podSelector:
    matchExpressions:
    - {key: role, operator: In, values: [locked]}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: lan-except
  namespace: restricted
spec:
  podSelector: {matchLabels: {role: locked}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 198.18.0.0/15, except: [EXCEPT]}
    ports:
    - {port: 8000, endPort: 8079}
`;

describe.skipIf(!isRoot)('cli: network policies, the seed 003 lab (root)', () => {
  let eng: TestEngine;
  let lan: LanHostRun | undefined;
  let dir: string;

  beforeAll(async () => {
    eng = await engineWithImages([IMAGE]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'np-'));
  }, 300_000);

  afterAll(async () => {
    const errors: string[] = [];
    await lan?.stop().catch((e) => errors.push(String(e)));
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (eng) errors.push(...(await eng.destroy()));
    if (eng) expect((await run('nft', ['list', 'table', 'ip', `${eng.table}_policy`], { okExitCodes: [0, 1] })).exitCode).toBe(1);
    expect(errors).toEqual([]);
  }, 120_000);

  const ok = async (args: string[]) => {
    const r = await eng.cli(args);
    expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  let lastError = '';
  /** An HTTP GET from inside a container (busybox nc, as the parity suite): the body, or null when refused / timed out. */
  const fetch = async (from: string, url: string) => {
    const u = new URL(url);
    const r = await eng.cli(['exec', from, 'timeout', '3', 'sh', '-c', `printf 'GET ${u.pathname} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${u.hostname} ${u.port || 80}`], { timeoutMs: 20_000 });
    lastError = `exit ${r.exitCode} out ${r.stdout} err ${r.stderr}`;
    const body = r.stdout.split('\r\n\r\n')[1];
    return r.exitCode === 0 && r.stdout.startsWith('HTTP/1.') && body !== undefined ? body : null;
  };
  const apply = async (yaml: string) => {
    const file = path.join(dir, `p${Math.random().toString(16).slice(2)}.yaml`);
    await fs.writeFile(file, yaml);
    return ok(['policy', 'apply', '-f', file]);
  };

  it('admits by labels and namespaces, follows label updates, stops egress but not DNS, and undoes it all', async () => {
    await ok(['network', 'create', 'restricted']);
    await ok(['run', '-d', '--name', 'lab9server', '--label', 'app=web', '--network', 'restricted', IMAGE,
      'sh', '-c', 'mkdir -p /www && echo hello-lab9 > /www/index.html && exec httpd -f -p 80 -h /www']);
    for (const [name, access] of [['sleepybox1', 'yes'], ['sleepybox2', 'noway']]) {
      await ok(['run', '-d', '--name', name!, '--label', `access=${access}`, '--network', 'restricted', IMAGE, 'sleep', '3600']);
      await ok(['network', 'connect', 'bridge', name!]);
    }
    const web = 'http://lab9server/';
    // the server may still be starting: wait for its first answer (no policy yet)
    let first: string | null = null;
    for (let i = 0; i < 20 && first === null; i++) first = await fetch('sleepybox1', web);
    expect(first, lastError).toBe('hello-lab9\n');
    expect(await fetch('sleepybox2', web)).toBe('hello-lab9\n');

    expect(await apply(LAB)).toBe('networkpolicy restricted/mynp created\n');
    expect(await apply(LAB)).toBe('networkpolicy restricted/mynp unchanged\n');
    expect(await ok(['policy', 'ls'])).toMatch(/restricted +mynp +app=web +Ingress\n/);
    const [detail] = JSON.parse(await ok(['policy', 'inspect', 'restricted/mynp']));
    const webIp = JSON.parse(await ok(['inspect', 'lab9server']))[0].NetworkSettings.Networks.restricted.IPAddress;
    expect(detail.Selected).toEqual([webIp]);

    expect(await fetch('sleepybox1', web)).toBe('hello-lab9\n');
    expect(await fetch('sleepybox2', web)).toBeNull();
    // only port 80 is opened: a second server on 8080 in the selected container stays closed
    await ok(['exec', 'lab9server', 'httpd', '-p', '8080', '-h', '/www']); // busybox httpd without -f goes to the background
    expect(await fetch('sleepybox1', 'http://lab9server:8080/')).toBeNull();

    // an engine restart (containers keep running) enforces the same: the table is rebuilt at start
    await eng.stop('SIGTERM');
    await eng.start();
    expect(await fetch('sleepybox1', web), lastError).toBe('hello-lab9\n');
    expect(await fetch('sleepybox2', web)).toBeNull();
    expect(await fetch('sleepybox1', 'http://lab9server:8080/')).toBeNull();
    expect(await ok(['policy', 'ls', '-q'])).toBe('restricted/mynp\n');

    await ok(['update', '--label', 'access=yes', 'sleepybox2']);
    expect(await fetch('sleepybox2', web)).toBe('hello-lab9\n');

    // egress: a container labelled role=locked may talk to its network but not to the LAN
    lan = new LanHostRun();
    await lan.start();
    const lanUrl = `http://${lan.plan.lanIp}:8081/index.html`;
    await ok(['run', '-d', '--name', 'locked', '--label', 'role=locked', '--label', 'access=yes', '--network', 'restricted', IMAGE, 'sleep', '3600']);
    expect(await fetch('locked', lanUrl)).toBe(`${PAGE}\n`);
    // two documents; the second allows 198.18/15 on 8000-8079 only, and not the LAN host's /32
    expect(await apply(EGRESS.replace('EXCEPT', `${lan.plan.lanIp}/32`))).toBe('networkpolicy restricted/no-lan created\nnetworkpolicy restricted/lan-except created\n');
    expect(await fetch('locked', lanUrl)).toBeNull();
    expect(await fetch('sleepybox1', lanUrl)).toBe(`${PAGE}\n`);
    const dns = await eng.cli(['exec', 'locked', 'nslookup', 'lab9server']);
    expect(dns.stdout, dns.stderr).toContain(webIp);
    // egress to its own network is allowed, but lab9server admits access=yes only from the bridge network
    expect(await fetch('locked', web)).toBeNull();
    await ok(['network', 'connect', 'bridge', 'locked']);
    expect(await fetch('locked', web)).toBe('hello-lab9\n');

    // the except covers the LAN host: an allowed port range elsewhere does not let it in
    const rules = (await run('nft', ['list', 'table', 'ip', `${eng.table}_policy`])).stdout;
    expect(rules).toMatch(new RegExp(`ip daddr != (\\{ )?${lan.plan.lanIp.replace(/\./g, '\\.')}`));
    expect(rules).toContain('dport 8000-8079');

    expect(await ok(['policy', 'rm', 'no-lan', 'restricted/lan-except', 'mynp'])).toBe('no-lan\nrestricted/lan-except\nmynp\n');
    expect(await ok(['policy', 'ls', '-q'])).toBe('');
    expect(await fetch('locked', lanUrl)).toBe(`${PAGE}\n`);
    await ok(['update', '--label', 'access=noway', 'sleepybox2']);
    expect(await fetch('sleepybox2', web)).toBe('hello-lab9\n');
    expect((await run('nft', ['list', 'table', 'ip', `${eng.table}_policy`], { okExitCodes: [0, 1] })).exitCode).toBe(1);

    const bad = await eng.cli(['policy', 'rm', 'mynp']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('network policy mynp not found');
    const named = path.join(dir, 'named.yaml');
    await fs.writeFile(named, LAB.replace('port: 80', 'port: http'));
    const refused = await eng.cli(['policy', 'apply', '-f', named]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('named port http is not supported');
  }, 300_000);
});
