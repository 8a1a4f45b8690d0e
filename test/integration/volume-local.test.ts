// The local driver's option volumes against the real kernel: a tmpfs or a bind mounted on the
// volume's _data at its first user and unmounted after its last, never deleted through.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VolumeService, mountPoints } from '../../src/volume/service.js';
import { idShiftFrom } from '../../src/volume/copy-up.js';
import { run } from '../../src/util/exec.js';

const asRoot = process.getuid?.() === 0;
const owner = { uid: 100000, gid: 100000 };
const mountsUnder = (dir: string) => mountPoints(fs.readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m === dir || m.startsWith(`${dir}/`));

describe.skipIf(!asRoot)('local volumes with mount options', () => {
  let tmp: string;
  let svc: VolumeService;
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'md-volint-'));
    svc = new VolumeService({ root: tmp, run: path.join(tmp, 'run') }, { owner });
    await svc.init();
  });
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const m of mountsUnder(tmp).reverse()) await run('umount', ['-l', '--', m]).catch((err: unknown) => errors.push(err));
    fs.rmSync(tmp, { recursive: true, force: true });
    expect(errors).toEqual([]);
  });

  it('mounts a tmpfs volume for its users, owned by the container root, and unmounts after the last', async () => {
    await svc.create({ name: 'scratch', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0770' } });
    const data = await svc.mount('scratch', 'c1');
    expect(await svc.mount('scratch', 'c2')).toBe(data);
    expect(mountsUnder(tmp)).toEqual([data]);
    const st = fs.statSync(data);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([100000, 100000, 0o770]);
    fs.writeFileSync(path.join(data, 'f'), 'x');
    await expect(svc.remove('scratch')).rejects.toThrow('remove scratch: volume is in use - [c1, c2]');
    await svc.unmount('scratch', 'c1');
    expect(mountsUnder(tmp)).toEqual([data]);
    await svc.unmount('scratch', 'c2');
    expect(mountsUnder(tmp)).toEqual([]);
    expect(fs.readdirSync(data)).toEqual([]); // tmpfs content is gone with the mount, as docker's
    await svc.remove('scratch');
  });

  it('binds a host dir for a type=none volume and never deletes through it', async () => {
    const host = path.join(tmp, 'hostdir');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'keep'), 'precious');
    await svc.create({ name: 'bound', driverOpts: { type: 'none', device: host, o: 'bind' } });
    const data = await svc.mount('bound', 'c1');
    expect(fs.readFileSync(path.join(data, 'keep'), 'utf8')).toBe('precious');
    // an engine restart while the container runs: init() finds the mount and keeps it
    const again = new VolumeService({ root: tmp, run: path.join(tmp, 'run') }, { owner });
    expect((await again.init()).swept).toEqual([]);
    expect(mountsUnder(path.join(tmp, 'volumes'))).toEqual([data]);
    // the engine's restore registers the running user again; the last one leaving unmounts
    await again.mount('bound', 'c1');
    await again.unmount('bound', 'c1');
    await again.remove('bound');
    expect(fs.readFileSync(path.join(host, 'keep'), 'utf8')).toBe('precious');
    await expect(svc.mount('bound', 'c1')).rejects.toThrow('no such volume');
  });

  it('removes an option volume left mounted without users by unmounting first', async () => {
    const host = path.join(tmp, 'hostdir2');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'keep'), 'precious');
    await svc.create({ name: 'left', driverOpts: { type: 'none', device: host, o: 'bind' } });
    await svc.mount('left', 'c1');
    const fresh = new VolumeService({ root: tmp, run: path.join(tmp, 'run') }, { owner });
    await fresh.init();
    await fresh.remove('left');
    expect(mountsUnder(tmp)).toEqual([]);
    expect(fs.readFileSync(path.join(host, 'keep'), 'utf8')).toBe('precious');
  });

  it('populates a new volume from image layers through its staging dir', async () => {
    const layer = path.join(tmp, 'layer');
    fs.mkdirSync(path.join(layer, 'srv/www'), { recursive: true });
    fs.writeFileSync(path.join(layer, 'srv/www/index.html'), 'hi');
    await svc.create({ name: 'www' });
    const r = await svc.populate('www', [layer], '/srv/www', idShiftFrom({ uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 100000, size: 65536 }] }), 'c1');
    expect(r).toMatchObject({ copied: true, entries: 2, bytes: 2 });
    expect(fs.readdirSync(svc.dir('www')).sort()).toEqual(['_data', 'volume.json']);
    const f = fs.statSync(path.join(svc.dataDir('www'), 'index.html'));
    expect([f.uid, fs.readFileSync(path.join(svc.dataDir('www'), 'index.html'), 'utf8')]).toEqual([100000, 'hi']);
    expect((await svc.populate('www', [layer], '/srv/www', idShiftFrom(null), 'c1')).copied).toBe(false); // not empty any more
  });
});
