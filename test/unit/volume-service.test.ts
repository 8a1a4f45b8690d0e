import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VolumeService, mountPoints, validateVolumeName } from '../../src/volume/service.js';
import { hostMountArgs, parseLocalOptions } from '../../src/volume/local-options.js';
import { listPredicate, normalizeFilters, prunePredicate } from '../../src/volume/filters.js';
import { ANONYMOUS_LABEL, type VolumeRecord } from '../../src/volume/types.js';

const asRoot = process.getuid?.() === 0;
const owner = { uid: 100000, gid: 100000 };

describe('local driver options', () => {
  it.each([
    [undefined, undefined],
    [{}, undefined],
    [{ type: 'tmpfs', device: 'tmpfs', o: 'size=100m,mode=1770,uid=1000' }, { kind: 'tmpfs', device: 'tmpfs', data: ['size=100m', 'mode=1770', 'uid=1000'] }],
    [{ type: 'none', device: '/srv/x/', o: 'bind' }, { kind: 'bind', device: '/srv/x', recursive: false }],
    [{ type: 'none', device: '/srv', o: 'rbind' }, { kind: 'bind', device: '/srv', recursive: true }],
  ])('%j', (opts, want) => {
    expect(parseLocalOptions(opts)).toEqual(want);
  });
  it.each([
    [{ foo: 'bar' }, 'invalid option: "foo"'],
    [{ size: '10g' }, 'quota size requested but no quota support'],
    [{ type: 'tmpfs' }, 'missing required option: "device"'],
    [{ device: 'tmpfs' }, 'missing required option: "type"'],
    [{ o: 'size=1m', device: 'x' }, 'missing required option: "type"'],
    [{ type: 'nfs', device: ':/export', o: 'addr=10.0.0.1' }, 'volume option type=nfs is not supported by minidock (supported: type=tmpfs, type=none with o=bind)'],
    [{ type: 'ext4', device: '/dev/sdb1' }, 'volume option type=ext4 is not supported by minidock'],
    [{ type: 'tmpfs', device: 'tmpfs', o: 'size=1m,huge=always' }, 'volume option o=huge=always is not supported by minidock for type=tmpfs'],
    [{ type: 'tmpfs', device: '-oops', o: 'size=1m' }, 'invalid tmpfs device name: "-oops"'],
    [{ type: 'none', device: '/srv', o: 'bind,ro' }, 'volume option o=ro is not supported by minidock for type=none (supported: bind, rbind)'],
    [{ type: 'none', device: '/srv', o: 'defaults' }, 'volume option o=defaults is not supported by minidock for type=none'],
    [{ type: 'none', device: '/srv' }, 'volume option type=none needs o=bind or o=rbind'],
    [{ type: 'none', device: 'rel', o: 'bind' }, 'invalid bind device "rel": must be an absolute host path'],
  ])('%j is refused', (opts, message) => {
    expect(() => parseLocalOptions(opts)).toThrow(message);
  });
  it('builds the host mount argv; a tmpfs belongs to the container root unless o= says otherwise', () => {
    expect(hostMountArgs({ kind: 'tmpfs', device: 'tmpfs', data: ['size=1m'] }, '/v/_data', owner)).toEqual(['-t', 'tmpfs', '-o', 'size=1m,uid=100000,gid=100000', '--', 'tmpfs', '/v/_data']);
    expect(hostMountArgs({ kind: 'tmpfs', device: 't', data: ['uid=5', 'gid=6'] }, '/d', owner)).toEqual(['-t', 'tmpfs', '-o', 'uid=5,gid=6', '--', 't', '/d']);
    expect(hostMountArgs({ kind: 'bind', device: '/srv', recursive: false }, '/d', owner)).toEqual(['--bind', '--', '/srv', '/d']);
  });
});

describe('volume names and filters (pure)', () => {
  it('validates names as docker', () => {
    expect(() => validateVolumeName('a')).toThrow('volume name is too short, names should be at least two alphanumeric characters');
    expect(() => validateVolumeName('../x')).toThrow('"../x" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path');
    expect(() => validateVolumeName('.hidden')).toThrow('includes invalid characters');
    expect(() => validateVolumeName('ok_name-1.2')).not.toThrow();
  });

  const rec = (name: string, labels: Record<string, string> = {}, options: Record<string, string> | null = null): VolumeRecord =>
    ({ name, driver: 'local', createdAt: '2024-01-01T00:00:00Z', labels, options });
  const vols = [rec('web-data', { app: 'web', tier: 'front' }), rec('db', { app: 'db' }), rec('a'.repeat(64), { [ANONYMOUS_LABEL]: '' }),
    rec('b'.repeat(64), { [ANONYMOUS_LABEL]: '', keep: 'yes' }), rec('tmp-vol', {}, { type: 'tmpfs', device: 'tmpfs' }), rec('c'.repeat(64), { [ANONYMOUS_LABEL]: '' }, { type: 'tmpfs', device: 'tmpfs' })];
  const inUse = (n: string) => (n === 'db' || n === 'b'.repeat(64) ? ['ctr1'] : []);
  const names = (pred: (v: VolumeRecord) => boolean) => vols.filter(pred).map((v) => v.name.slice(0, 8));

  it.each([
    [{}, ['web-data', 'db', 'aaaaaaaa', 'bbbbbbbb', 'tmp-vol', 'cccccccc']],
    [{ dangling: ['true'] }, ['web-data', 'aaaaaaaa', 'tmp-vol', 'cccccccc']],
    [{ dangling: ['0'] }, ['db', 'bbbbbbbb']],
    [{ name: ['db'] }, ['db']],
    [{ name: ['^web'] }, ['web-data']],
    [{ name: ['data', 'tmp'] }, ['web-data', 'tmp-vol']],
    [{ label: ['app'] }, ['web-data', 'db']],
    [{ label: ['app=web'] }, ['web-data']],
    [{ label: ['app=web', 'tier=back'] }, []],
    [{ driver: ['local'] }, ['web-data', 'db', 'aaaaaaaa', 'bbbbbbbb', 'tmp-vol', 'cccccccc']],
    [{ driver: ['nfs'] }, []],
  ])('ls --filter %j', (f, want) => {
    expect(names(listPredicate(f, inUse))).toEqual(want);
  });
  it.each([
    [{ foo: ['x'] }, "invalid filter 'foo'"],
    [{ dangling: ['maybe'] }, "invalid filter 'dangling=maybe'"],
    [{ dangling: ['true', 'false'] }, "invalid filter 'dangling=true,false'"],
  ])('ls --filter %j is refused', (f, message) => {
    expect(() => listPredicate(f, inUse)).toThrow(message);
  });
  it.each([
    [{}, ['aaaaaaaa']],
    [{ all: ['true'] }, ['web-data', 'aaaaaaaa']],
    [{ all: ['1'], label: ['app'] }, ['web-data']],
    [{ all: ['false'] }, ['aaaaaaaa']],
    [{ all: ['true'], 'label!': ['app=web'] }, ['aaaaaaaa']],
  ])('prune --filter %j (unused, no options, anonymous unless all)', (f, want) => {
    expect(names(prunePredicate(f, inUse))).toEqual(want);
  });
  it.each([
    [{ dangling: ['true'] }, "invalid filter 'dangling'"],
    [{ all: ['true', 'false'] }, "invalid filter 'all=true,false': only one value is expected"],
    [{ all: ['yes'] }, "invalid filter 'all'"],
  ])('prune --filter %j is refused', (f, message) => {
    expect(() => prunePredicate(f, inUse)).toThrow(message);
  });
  it('normalises both API filter forms', () => {
    expect(normalizeFilters({ name: ['a'], label: { 'x=y': true, z: false } })).toEqual({ name: ['a'], label: ['x=y'] });
  });
  it('reads mount points from mountinfo, escapes undone', () => {
    expect(mountPoints('36 35 98:0 /mnt1 /mnt\\040with\\040space rw - ext3 /dev/root rw\n37 35 0:5 / /run rw - tmpfs tmpfs rw\n')).toEqual(['/mnt with space', '/run']);
  });
});

describe.skipIf(!asRoot)('VolumeService on a temp root', () => {
  let tmp: string;
  let refs: Map<string, string[]>;
  let svc: VolumeService;
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'md-vol-'));
    refs = new Map();
    svc = new VolumeService({ root: tmp, run: path.join(tmp, 'run') }, { owner, inUse: (n) => refs.get(n) ?? [] });
    await svc.init();
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('creates named and anonymous volumes with docker\'s layout, owners and modes', async () => {
    const v = await svc.create({ name: 'data1', labels: { a: 'b' } });
    expect(v).toMatchObject({ name: 'data1', driver: 'local', labels: { a: 'b' }, options: null });
    expect(v.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const root = fs.statSync(path.join(tmp, 'volumes'));
    const dir = fs.statSync(path.join(tmp, 'volumes/data1'));
    const data = fs.statSync(path.join(tmp, 'volumes/data1/_data'));
    const rec = fs.statSync(path.join(tmp, 'volumes/data1/volume.json'));
    expect([root.mode & 0o777, dir.uid, dir.gid, dir.mode & 0o777, data.uid, data.gid, data.mode & 0o777, rec.mode & 0o777])
      .toEqual([0o711, 0, 100000, 0o710, 100000, 100000, 0o755, 0o600]);
    const anon = await svc.create();
    expect(anon.name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.labels).toEqual({ [ANONYMOUS_LABEL]: '' });
    expect((await svc.list()).map((x) => x.name).sort()).toEqual([anon.name, 'data1'].sort());
  });

  it('returns an existing volume, and refuses one asked with other options or labels', async () => {
    await svc.create({ name: 'v1', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    expect((await svc.create({ name: 'v1' })).options).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    await expect(svc.create({ name: 'v1', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' } })).rejects.toThrow('volume v1 already exists with different driver options');
    await expect(svc.create({ name: 'v1', labels: { x: 'y' } })).rejects.toThrow('volume v1 already exists with different labels');
    await expect(svc.create({ name: 'v2', driver: 'nfs' })).rejects.toThrow('volume driver "nfs" is not supported by minidock (only "local")');
    await expect(svc.create({ name: 'bad name' })).rejects.toThrow('includes invalid characters');
    await expect(svc.create({ name: 'v3', driverOpts: { type: 'nfs', device: 'x' } })).rejects.toThrow('type=nfs is not supported');
    expect(fs.existsSync(path.join(tmp, 'volumes/v3'))).toBe(false);
  });

  it('inspects in the Engine API shape, usage only when asked', async () => {
    await svc.create({ name: 'v1' });
    fs.writeFileSync(path.join(svc.dataDir('v1'), 'f'), 'hello');
    fs.linkSync(path.join(svc.dataDir('v1'), 'f'), path.join(svc.dataDir('v1'), 'g'));
    refs.set('v1', ['c1', 'c2']);
    const info = await svc.inspect('v1');
    expect(info).toEqual({ Name: 'v1', Driver: 'local', Mountpoint: path.join(tmp, 'volumes/v1/_data'), CreatedAt: info.CreatedAt, Labels: {}, Scope: 'local', Options: null });
    expect((await svc.inspect('v1', { usage: true })).UsageData).toEqual({ Size: 5, RefCount: 2 });
    await expect(svc.inspect('nope')).rejects.toMatchObject({ message: 'get nope: no such volume', status: 404 });
    await expect(svc.inspect('../../etc')).rejects.toThrow('no such volume');
  });

  it('refuses to remove a volume in use (force too), force ignores a missing one', async () => {
    await svc.create({ name: 'v1' });
    refs.set('v1', ['abc123', 'def456']);
    await expect(svc.remove('v1')).rejects.toMatchObject({ message: 'remove v1: volume is in use - [abc123, def456]', status: 409 });
    await expect(svc.remove('v1', { force: true })).rejects.toThrow('volume is in use');
    refs.delete('v1');
    await svc.remove('v1');
    expect(fs.existsSync(path.join(tmp, 'volumes/v1'))).toBe(false);
    await expect(svc.remove('v1')).rejects.toThrow('get v1: no such volume');
    await svc.remove('v1', { force: true });
  });

  it('prunes unused anonymous volumes, named ones with all=true, never used or option volumes', async () => {
    const a1 = await svc.create();
    const a2 = await svc.create();
    await svc.create({ name: 'named' });
    await svc.create({ name: 'tmp-opt', driverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    fs.writeFileSync(path.join(svc.dataDir(a1.name), 'f'), '1234');
    refs.set(a2.name, ['c1']);
    expect(await svc.prune()).toEqual({ VolumesDeleted: [a1.name], SpaceReclaimed: 4 });
    expect(await svc.prune(normalizeFilters({ all: ['true'] }))).toEqual({ VolumesDeleted: ['named'], SpaceReclaimed: 0 });
    expect((await svc.list()).map((v) => v.name).sort()).toEqual([a2.name, 'tmp-opt'].sort());
    expect((await svc.list({ dangling: ['false'] })).map((v) => v.name)).toEqual([a2.name]);
  });

  it('init sweeps what a killed engine left: a dir without record, a half copy-up, a temp record', async () => {
    await svc.create({ name: 'kept' });
    // killed after creating the data dir, before writing volume.json
    fs.mkdirSync(path.join(tmp, 'volumes/half/_data'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'volumes/half/_data/x'), 'x');
    // killed in the middle of a remove (record gone first) and of a copy-up and an atomic write
    fs.mkdirSync(path.join(tmp, 'volumes/kept/.copyup-123456/sub'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'volumes/kept/.volume.json.abcdef.tmp'), '{');
    expect((await svc.list()).map((v) => v.name)).toEqual(['kept']);
    const again = new VolumeService({ root: tmp, run: path.join(tmp, 'run') }, { owner });
    const { swept } = await again.init();
    expect(swept.sort()).toEqual([path.join(tmp, 'volumes/half'), path.join(tmp, 'volumes/kept/.copyup-123456'), path.join(tmp, 'volumes/kept/.volume.json.abcdef.tmp')].sort());
    expect(fs.readdirSync(path.join(tmp, 'volumes'))).toEqual(['kept']);
    expect(fs.readdirSync(path.join(tmp, 'volumes/kept')).sort()).toEqual(['_data', 'volume.json']);
    // a name left half-created can be created again
    await again.create({ name: 'half' });
    expect(fs.readdirSync(again.dataDir('half'))).toEqual([]);
  });
});
