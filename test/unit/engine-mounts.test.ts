// The engine's side of mounts over fake services: volumes created at create (nothing on a
// bad request), mounts in the runtime spec, copy-up only where docker does it, release at
// exit, rm -v / --rm remove anonymous volumes and keep named ones, inspect's Mounts, events.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { fakeServices } from '../helpers/fake-services.js';
import { tmpfsOptions } from '../../src/engine/mounts.js';

let dir: string;
let svc: ReturnType<typeof fakeServices>;
let engine: Engine;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'D-mounts-'));
  svc = fakeServices();
  engine = new Engine({ root: path.join(dir, 'root'), run: path.join(dir, 'run') }, svc, { log: () => {} });
  await engine.init();
});
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const containers = async () => fs.readdir(path.join(dir, 'root', 'containers')).catch(() => []);

describe('engine mounts', () => {
  it('creates named and anonymous volumes, passes binds/volumes/tmpfs to the runtime, copies up only into volumes without nocopy', async () => {
    await engine.create({
      Image: 'busybox', Cmd: ['true'], Volumes: { '/anon': {} },
      HostConfig: { Binds: [`${dir}:/host:ro`, 'named:/named'], Tmpfs: { '/t': 'size=1m' }, Mounts: [{ Type: 'volume', Source: 'nc', Target: '/nc', VolumeOptions: { NoCopy: true } }], ReadonlyRootfs: true },
    }, 'c1');
    const names = [...svc.volumes.recs.keys()];
    expect(names).toContain('named');
    expect(names).toContain('nc');
    expect(names).toHaveLength(3);
    const anon = names.find((n) => n.length === 64)!;
    await engine.start('c1');
    const spec = [...svc.runtime.live.values()][0]!.spec;
    expect(spec.readonlyRootfs).toBe(true);
    expect(spec.mounts).toEqual([
      { type: 'bind', source: dir, target: '/host', readOnly: true },
      { type: 'bind', source: svc.volumes.dataDir('named'), target: '/named', readOnly: false },
      { type: 'bind', source: svc.volumes.dataDir('nc'), target: '/nc', readOnly: false },
      { type: 'tmpfs', source: 'tmpfs', target: '/t', readOnly: false, flags: ['nosuid', 'nodev', 'noexec'], options: expect.stringMatching(/^mode=1777,uid=\d+,gid=\d+,size=1m$/) },
      { type: 'bind', source: svc.volumes.dataDir(anon), target: '/anon', readOnly: false },
    ]);
    expect(svc.volumes.populated.map((p) => p.target).sort()).toEqual(['/anon', '/named']);
    expect(engine.inspect('c1').Mounts).toContainEqual({ Type: 'volume', Name: 'named', Source: svc.volumes.dataDir('named'), Destination: '/named', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });
    expect(engine.inspect('c1').Mounts).toContainEqual({ Type: 'bind', Source: dir, Destination: '/host', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    svc.runtime.end(spec.id, 0);
    await engine.wait('c1');
    expect([...(svc.volumes.mounted.get('named') ?? [])]).toEqual([]);
    await expect(engine.removeVolume('named')).rejects.toThrow(/volume is in use/);
    await engine.remove('c1', { volumes: true });
    expect([...svc.volumes.recs.keys()].sort()).toEqual(['named', 'nc']);
  });

  it('a bad mount refuses the create and leaves no container and no volume', async () => {
    const bad = [
      { Binds: ['named:/x', `${dir}:/x`] },
      { Binds: ['named:relative'] },
      { Mounts: [{ Type: 'bind', Source: '/nonexistent-src-md', Target: '/d' }] },
      { Tmpfs: { '/proc/x': '' } },
      { Binds: ['named:/y'], VolumesFrom: ['no-such-container'] },
    ];
    for (const HostConfig of bad) await expect(engine.create({ Image: 'busybox', Volumes: { '/a': {} }, HostConfig })).rejects.toThrow();
    expect(await containers()).toEqual([]);
    expect(svc.volumes.recs.size).toBe(0);
  });

  it('rm without -v keeps the anonymous volume; --rm removes it; --volumes-from inherits but never removes', async () => {
    await engine.create({ Image: 'busybox', Volumes: { '/a': {} } }, 'src');
    const [anon] = [...svc.volumes.recs.keys()];
    await engine.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true, VolumesFrom: ['src:ro'] } }, 'user');
    expect(engine.inspect('user').Mounts).toEqual([expect.objectContaining({ Name: anon, Destination: '/a', RW: false })]);
    await engine.start('user');
    const removed = new Promise<void>((r) => engine.events({}, (ev) => { if (ev.Action === 'destroy' && ev.Type === 'container') r(); }));
    svc.runtime.end([...svc.runtime.live.keys()].find((id) => id === engine.resolve('user'))!, 0);
    await removed;
    expect(svc.volumes.recs.has(anon!)).toBe(true);
    await engine.remove('src');
    expect(svc.volumes.recs.has(anon!)).toBe(true);
    await engine.create({ Image: 'busybox', Cmd: ['true'], Volumes: { '/b': {} }, HostConfig: { AutoRemove: true } }, 'auto');
    const fresh = [...svc.volumes.recs.keys()].find((n) => n !== anon)!;
    const gone = new Promise<void>((r) => engine.events({}, (ev) => { if (ev.Action === 'destroy' && ev.Type === 'volume' && ev.Actor.ID === fresh) r(); }));
    await engine.start('auto');
    svc.runtime.end(engine.resolve('auto'), 0);
    await gone;
    expect(svc.volumes.recs.has(fresh)).toBe(false);
  });

  it('tmpfs options: owner mapped into the user namespace, unmapped ids refused', () => {
    const userns = { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 200000, size: 65536 }] };
    expect(tmpfsOptions({ exec: false, suid: false, dev: false, mode: 0o700, uid: 5, size: '64m' }, userns)).toBe('mode=700,uid=100005,gid=200000,size=64m');
    expect(tmpfsOptions({ exec: true, suid: true, dev: true }, null)).toBe('mode=1777,uid=0,gid=0');
    expect(() => tmpfsOptions({ exec: false, suid: false, dev: false, uid: 70000 }, userns)).toThrow(/not mapped/);
  });
});
