// dockerode scenarios, in-process, with a client built on the target engine's socket.
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { check, sleep, type ScenarioRun } from '../context.js';
import type { Scenario } from '../types.js';

function client(t: ScenarioRun): Docker {
  return new Docker({ socketPath: t.target.socket, timeout: 60_000 });
}

async function pull(t: ScenarioRun, d: Docker, ref: string): Promise<void> {
  const stream = await d.pull(ref);
  await new Promise<void>((resolve, reject) => d.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
}

function removeOnCleanup(t: ScenarioRun, d: Docker, name: string): void {
  t.defer(`remove ${name}`, async () => {
    try { await d.getContainer(name).remove({ force: true }); } catch (err) { if ((err as { statusCode?: number }).statusCode !== 404) throw err; }
  });
}

/** Splits a multiplexed (non-tty) stream into stdout and stderr text. */
function demux(d: Docker, stream: NodeJS.ReadableStream): { out: () => string; err: () => string } {
  const o = new PassThrough();
  const e = new PassThrough();
  let out = '';
  let err = '';
  o.on('data', (b: Buffer) => { out += b.toString(); });
  e.on('data', (b: Buffer) => { err += b.toString(); });
  d.modem.demuxStream(stream, o, e);
  return { out: () => out, err: () => err };
}

async function waitFor(fn: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (fn()) return true; await sleep(100); }
  return fn();
}

export const dockerodeScenarios: Scenario[] = [
  {
    id: 'node-containers',
    client: 'dockerode',
    title: 'createContainer/start/inspect/stop/wait/logs/remove',
    async run(t) {
      const d = client(t);
      const n = t.name('c');
      removeOnCleanup(t, d, n);
      await t.step('ping', async () => check(String(await d.ping()) === 'OK', 'ping did not answer OK'));
      await t.step('pull', () => pull(t, d, t.image('busybox')));
      const c = await t.step('create', () => d.createContainer({ name: n, Image: t.image('busybox'), Cmd: ['sh', '-c', 'echo out; echo err >&2; sleep 300'], Labels: { compat: t.uid } }));
      await t.step('start', () => c.start());
      await t.step('inspect', async () => {
        const i = await c.inspect();
        check(i.State.Running && i.Name === `/${n}` && i.Config.Labels.compat === t.uid, `inspect ${JSON.stringify(i.State)}`);
      });
      await t.step('logs', async () => {
        let logs = '';
        for (let i = 0; i < 30 && !(logs.includes('out') && logs.includes('err')); i++) {
          logs = (await c.logs({ stdout: true, stderr: true, follow: false })).toString();
          await sleep(200);
        }
        check(logs.includes('out') && logs.includes('err'), `logs ${JSON.stringify(logs)}`);
      });
      await t.step('stop', () => c.stop({ t: 1 }));
      await t.step('wait', async () => {
        const w = await c.wait() as { StatusCode: number };
        check(typeof w.StatusCode === 'number', `wait ${JSON.stringify(w)}`);
      });
      await t.step('remove', async () => {
        await c.remove();
        const all = await d.listContainers({ all: true });
        check(!all.some((x) => x.Names.includes(`/${n}`)), 'removed container still listed');
      });
    },
  },
  {
    id: 'node-list-filters',
    client: 'dockerode',
    title: 'listContainers/listImages/listNetworks/listVolumes with filters',
    async run(t) {
      const d = client(t);
      const a = t.name('a');
      const b = t.name('b');
      removeOnCleanup(t, d, a);
      removeOnCleanup(t, d, b);
      await t.step('pull', () => pull(t, d, t.image('busybox')));
      await t.step('create two', async () => {
        const ca = await d.createContainer({ name: a, Image: t.image('busybox'), Cmd: ['sleep', '300'], Labels: { compat: t.uid, role: 'up' } });
        await ca.start();
        await d.createContainer({ name: b, Image: t.image('busybox'), Cmd: ['true'], Labels: { compat: t.uid, role: 'idle' } });
      });
      await t.step('filter label', async () => {
        const l = await d.listContainers({ all: true, filters: { label: [`compat=${t.uid}`] } });
        check(l.map((x) => x.Names[0]).sort().join(',') === [`/${a}`, `/${b}`].sort().join(','), `list ${JSON.stringify(l.map((x) => x.Names))}`);
      });
      await t.step('filter status', async () => {
        const l = await d.listContainers({ all: true, filters: JSON.stringify({ label: [`compat=${t.uid}`], status: ['created'] }) });
        check(l.length === 1 && l[0]!.Names[0] === `/${b}` && l[0]!.Labels.role === 'idle', `list ${JSON.stringify(l.map((x) => x.Names))}`);
      });
      await t.step('filter name (running only)', async () => {
        const l = await d.listContainers({ filters: { name: [a] } });
        check(l.length === 1 && l[0]!.State === 'running' && l[0]!.Image === t.image('busybox'), `list ${JSON.stringify(l)}`);
      });
      await t.step('listImages reference filter', async () => {
        const l = await d.listImages({ filters: { reference: [`${t.registry}/busybox`] } });
        check(l.length === 1 && (l[0]!.RepoTags ?? []).includes(t.image('busybox')), `images ${JSON.stringify(l.map((x) => x.RepoTags))}`);
      });
      await t.step('listNetworks name filter', async () => {
        const l = await d.listNetworks({ filters: { name: ['bridge'] } });
        check(l.some((n) => n.Name === 'bridge' && n.Driver === 'bridge'), `networks ${JSON.stringify(l.map((n) => n.Name))}`);
      });
      await t.step('listVolumes', async () => {
        const l = await d.listVolumes();
        check(Array.isArray(l.Volumes), `volumes ${JSON.stringify(l)}`);
      });
    },
  },
  {
    id: 'node-images',
    client: 'dockerode',
    title: 'pull (followProgress), inspect, tag, remove',
    async run(t) {
      const d = client(t);
      const repo = `${t.registry}/${t.uid}-node`;
      t.defer(`remove ${repo}:t1`, async () => {
        try { await d.getImage(`${repo}:t1`).remove(); } catch (err) { if ((err as { statusCode?: number }).statusCode !== 404) throw err; }
      });
      await t.step('pull', () => pull(t, d, t.image('busybox')));
      const id = await t.step('inspect', async () => {
        const i = await d.getImage(t.image('busybox')).inspect();
        check(/^sha256:[0-9a-f]{64}$/.test(i.Id) && i.Os === 'linux', `inspect ${i.Id} ${i.Os}`);
        return i.Id;
      });
      await t.step('tag', async () => {
        await d.getImage(t.image('busybox')).tag({ repo, tag: 't1' });
        check((await d.getImage(`${repo}:t1`).inspect()).Id === id, 'tag points elsewhere');
      });
      await t.step('remove tag', async () => {
        const r = await d.getImage(`${repo}:t1`).remove();
        check(JSON.stringify(r).includes('Untagged'), `remove ${JSON.stringify(r)}`);
      });
    },
  },
  {
    id: 'node-networks-volumes',
    client: 'dockerode',
    title: 'createNetwork/connect/disconnect/remove, createVolume/inspect/remove, mount it',
    async run(t) {
      const d = client(t);
      const net = t.name('net');
      const vol = t.name('vol');
      const c = t.name('c');
      removeOnCleanup(t, d, c);
      t.defer(`remove network ${net}`, async () => { try { await d.getNetwork(net).remove(); } catch (err) { if ((err as { statusCode?: number }).statusCode !== 404) throw err; } });
      t.defer(`remove volume ${vol}`, async () => { try { await d.getVolume(vol).remove(); } catch (err) { if ((err as { statusCode?: number }).statusCode !== 404) throw err; } });
      await t.step('pull', () => pull(t, d, t.image('busybox')));
      const n = await t.step('createNetwork', () => d.createNetwork({ Name: net, Driver: 'bridge', Labels: { compat: t.uid } }));
      await t.step('createVolume', async () => {
        await d.createVolume({ Name: vol, Labels: { compat: t.uid } });
        const i = await d.getVolume(vol).inspect();
        check(i.Name === vol && i.Driver === 'local', `volume ${JSON.stringify(i)}`);
      });
      await t.step('container with volume', async () => {
        const x = await d.createContainer({ name: c, Image: t.image('busybox'), Cmd: ['sh', '-c', 'echo kept > /data/f; sleep 300'], HostConfig: { Binds: [`${vol}:/data`] } });
        await x.start();
      });
      await t.step('connect', async () => {
        await n.connect({ Container: c });
        const i = await n.inspect();
        check(Object.values(i.Containers ?? {}).some((x) => (x as { Name: string }).Name === c), `network containers ${JSON.stringify(i.Containers)}`);
      });
      await t.step('disconnect', async () => {
        await n.disconnect({ Container: c });
        const i = await d.getContainer(c).inspect();
        check(!(net in i.NetworkSettings.Networks), `still on ${net}`);
      });
      await t.step('remove', async () => {
        await d.getContainer(c).remove({ force: true });
        await n.remove();
        await d.getVolume(vol).remove();
        check(!(await d.listNetworks()).some((x) => x.Name === net), 'network still listed');
      });
    },
  },
  {
    id: 'node-exec-attach',
    client: 'dockerode',
    title: 'exec (demuxStream, inspect exit code), attach with stdin',
    async run(t) {
      const d = client(t);
      const n = t.name('ex');
      const a = t.name('at');
      removeOnCleanup(t, d, n);
      removeOnCleanup(t, d, a);
      await t.step('pull', () => pull(t, d, t.image('busybox')));
      const c = await t.step('run', async () => {
        const x = await d.createContainer({ name: n, Image: t.image('busybox'), Cmd: ['sleep', '300'] });
        await x.start();
        return x;
      });
      await t.step('exec demux', async () => {
        const e = await c.exec({ Cmd: ['sh', '-c', 'echo o; echo e >&2; exit 4'], AttachStdout: true, AttachStderr: true });
        const stream = await e.start({ hijack: true, stdin: false });
        const io = demux(d, stream);
        await new Promise((r) => stream.on('end', r));
        check(io.out() === 'o\n' && io.err() === 'e\n', `exec out ${JSON.stringify(io.out())} err ${JSON.stringify(io.err())}`);
        const i = await e.inspect();
        check(i.ExitCode === 4 && i.Running === false, `exec inspect ${JSON.stringify(i)}`);
      });
      await t.step('attach with stdin', async () => {
        const x = await d.createContainer({ name: a, Image: t.image('busybox'), Cmd: ['sh', '-c', 'read line; echo got-$line; echo to-err >&2'], OpenStdin: true, StdinOnce: true });
        const stream = await x.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
        const io = demux(d, stream);
        await x.start();
        stream.write('ping\n');
        check(await waitFor(() => io.err().includes('to-err'), 15_000), `attach out ${JSON.stringify(io.out())} err ${JSON.stringify(io.err())}`);
        check(io.out() === 'got-ping\n', `attach out ${JSON.stringify(io.out())}`);
        const w = await x.wait() as { StatusCode: number };
        check(w.StatusCode === 0, `wait ${JSON.stringify(w)}`);
      });
    },
  },
  {
    id: 'node-events',
    client: 'dockerode',
    title: 'getEvents with since/until and filters',
    async run(t) {
      const d = client(t);
      const n = t.name('ev');
      removeOnCleanup(t, d, n);
      await t.step('pull', () => pull(t, d, t.image('busybox')));
      const since = Math.floor(Date.now() / 1000) - 1;
      await t.step('lifecycle', async () => {
        const c = await d.createContainer({ name: n, Image: t.image('busybox'), Cmd: ['true'] });
        await c.start();
        await c.wait();
        await c.remove();
      });
      await sleep(1100);
      const until = Math.ceil(Date.now() / 1000);
      await t.step('getEvents', async () => {
        const stream = await d.getEvents({ since, until, filters: { container: [n] } });
        let text = '';
        await new Promise<void>((resolve, reject) => { stream.on('data', (b: Buffer) => { text += b.toString(); }); stream.on('end', resolve); stream.on('error', reject); });
        const evs = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { Type: string; Action: string });
        for (const act of ['create', 'start', 'die', 'destroy']) check(evs.some((e) => e.Type === 'container' && e.Action === act), `no ${act} in ${JSON.stringify(evs.map((e) => e.Action))}`);
      });
    },
  },
];
