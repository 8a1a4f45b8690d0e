import { describe, expect, it } from 'vitest';
import {
  decodeApiMount, decodeBind, decodeMounts, decodeTmpfs, encodeMountFlag, encodeTmpfsFlags, encodeVolumeFlag, ramInBytes,
  type ApiMount, type DecodeContext,
} from '../../src/wire/mounts.js';

const ctx: DecodeContext = { pathExists: (p) => ['/srv', '/home', '/tmp'].includes(p) };

describe('decodeBind (HostConfig.Binds, moby ParseMountRaw)', () => {
  it.each([
    ['/home:/home', { type: 'bind', source: '/home', target: '/home', readOnly: false, createSource: true, propagation: 'rprivate', mode: '' }],
    ['/home:/something/else/', { type: 'bind', source: '/home', target: '/something/else' }],
    ['/with space:/with space:ro', { type: 'bind', source: '/with space', target: '/with space', readOnly: true, mode: 'ro' }],
    ['/hostPath:/containerPath:rw', { type: 'bind', readOnly: false, mode: 'rw' }],
    ['/rw:/ro', { type: 'bind', source: '/rw', target: '/ro', readOnly: false }],
    ['/h:/c:private', { type: 'bind', propagation: 'private' }],
    ['/h:/c:ro,rprivate', { type: 'bind', propagation: 'rprivate', readOnly: true }],
    ['/h:/c:consistent', { type: 'bind' }],
    ['/nonexistent:/c', { type: 'bind', source: '/nonexistent', createSource: true }],
    ['relative:/absolute-path', { type: 'volume', name: 'relative', target: '/absolute-path', copyUp: true, readOnly: false }],
    ['name:/named3:ro', { type: 'volume', name: 'name', readOnly: true }],
    ['name:/data:nocopy', { type: 'volume', name: 'name', copyUp: false, mode: 'nocopy' }],
    ['name:/data:rw,nocopy', { type: 'volume', copyUp: false, mode: 'rw,nocopy' }],
    ['/data', { type: 'volume', name: '', target: '/data', copyUp: true }],
    ['/data/', { type: 'volume', name: '', target: '/data' }],
  ])('%s', (raw, want) => {
    expect(decodeBind(raw)).toMatchObject({ ...want, from: 'Binds' });
  });

  it.each([
    ['', "invalid volume specification: ''"],
    [':', "invalid volume specification: ':'"],
    [':/test', "invalid volume specification: ':/test'"],
    ['/tmp:', "invalid volume specification: '/tmp:'"],
    ['tmp:', "invalid volume specification: 'tmp:'"],
    ['/tmp:::', "invalid volume specification: '/tmp:::'"],
    ['/path:rw', "invalid volume specification: '/path:rw'"],
    ['/path:ro', "invalid volume specification: '/path:ro'"],
    ['path:ro', "invalid volume specification: 'path:ro'"],
    ['/path:shared', "invalid volume specification: '/path:shared'"],
    ['/a:/b:c:d', "invalid volume specification: '/a:/b:c:d'"],
    ['/path:/path:sw', 'invalid mode: sw'],
    ['/path:/path:rwz', 'invalid mode: rwz'],
    ['/path:/path:ro,rshared,rslave', 'invalid mode: ro,rshared,rslave'],
    ['/path:/path:ro,rw', 'invalid mode: ro,rw'],
    ['./', `invalid volume specification: './': invalid mount config for type "volume": invalid mount path: './' mount path must be absolute`],
    ['/:path', `invalid volume specification: '/:path': invalid mount config for type "bind": invalid mount path: 'path' mount path must be absolute`],
    ['/x:rel', `invalid volume specification: '/x:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    ['/x:/', `invalid volume specification: '/x:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['/x:/a/..', `invalid volume specification: '/x:/a/..': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['/', `invalid volume specification: '/': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['name:/absolute-path:shared', `invalid volume specification: 'name:/absolute-path:shared': invalid mount config for type "volume": field BindOptions must not be specified`],
    ['name:/p:rprivate', `invalid volume specification: 'name:/p:rprivate': invalid mount config for type "volume": field BindOptions must not be specified`],
    ['/h:/c:nocopy', `invalid volume specification: '/h:/c:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    // what minidock refuses instead of ignoring
    ['/h:/c:z', `invalid volume specification: '/h:/c:z': SELinux relabeling option "z" is not supported by minidock`],
    ['/h:/c:ro,Z', `invalid volume specification: '/h:/c:ro,Z': SELinux relabeling option "Z" is not supported by minidock`],
    ['/h:/c:rshared', `invalid volume specification: '/h:/c:rshared': bind propagation "rshared" (supported: rprivate, private) is not supported by minidock`],
    ['/h:/c:slave', `invalid volume specification: '/h:/c:slave': bind propagation "slave" (supported: rprivate, private) is not supported by minidock`],
    ['/h:/c:cached', `invalid volume specification: '/h:/c:cached': consistency mode "cached" is not supported by minidock`],
    ['/h:/c:delegated', `invalid volume specification: '/h:/c:delegated': consistency mode "delegated" is not supported by minidock`],
  ])('%j is refused', (raw, message) => {
    expect(() => decodeBind(raw)).toThrow(message);
    try { decodeBind(raw); } catch (err) { expect((err as { status: number }).status).toBe(400); }
  });

  it('refuses a volume driver other than local, and only for volumes', () => {
    expect(() => decodeBind('name:/data', 'nfs')).toThrow('volume driver "nfs" (only "local") is not supported by minidock');
    expect(decodeBind('name:/data', 'local')).toMatchObject({ type: 'volume' });
  });
});

describe('decodeApiMount (HostConfig.Mounts, moby ParseMountSpec)', () => {
  it.each<[ApiMount, object]>([
    [{ Type: 'bind', Source: '/srv', Target: '/data' }, { type: 'bind', source: '/srv', target: '/data', createSource: false, propagation: 'rprivate', readOnly: false }],
    [{ Type: 'bind', Source: '/srv/', Target: '/data/', ReadOnly: true, BindOptions: { Propagation: 'private' } }, { source: '/srv', target: '/data', propagation: 'private', readOnly: true }],
    [{ Type: 'bind', Source: '/missing', Target: '/d', BindOptions: { CreateMountpoint: true } }, { source: '/missing', createSource: true }],
    [{ Type: 'bind', Source: '/srv', Target: '/d', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true } }, { readOnly: true }],
    [{ Type: 'volume', Source: 'v1', Target: '/d' }, { type: 'volume', name: 'v1', copyUp: true, driverOptions: {}, labels: {} }],
    [{ Type: 'volume', Target: '/d' }, { type: 'volume', name: '' }],
    [{ Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } },
      { copyUp: false, labels: { a: 'b' }, driverOptions: { type: 'tmpfs', device: 'tmpfs' } }],
    [{ Type: 'tmpfs', Target: '/run' }, { type: 'tmpfs', target: '/run', tmpfs: { exec: false, suid: false, dev: false } }],
    [{ Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o700, Options: [['exec']] } }, { tmpfs: { size: '1m', mode: 0o700, exec: true } }],
    [{ Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 3 * 2 ** 30 } }, { tmpfs: { size: '3g' } }],
    [{ Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1000 } }, { tmpfs: { size: '1000' } }],
    [{ Type: 'bind', Source: '/srv', Target: '/d', Consistency: 'default' }, { type: 'bind' }],
  ])('%j', (m, want) => {
    expect(decodeApiMount(m, ctx)).toMatchObject({ ...want, from: 'Mounts', mode: '' });
  });

  it.each<[ApiMount, string]>([
    [{ Type: 'bind', Source: '/x', Target: '/d' }, 'invalid mount config for type "bind": bind source path does not exist: /x'],
    [{ Type: 'bind', Source: '', Target: '/d' }, 'invalid mount config for type "bind": field Source must not be empty'],
    [{ Type: 'bind', Source: '/srv', Target: '' }, 'invalid mount config for type "bind": field Target must not be empty'],
    [{ Type: 'bind', Source: '/srv', Target: 'rel' }, `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    [{ Type: 'bind', Source: 'rel', Target: '/d' }, `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
    [{ Type: 'bind', Source: '/srv', Target: '/' }, `invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    [{ Type: 'bind', Source: '/srv', Target: '/d', BindOptions: { Propagation: 'sideways' } }, 'invalid mount config for type "bind": invalid propagation mode: sideways'],
    [{ Type: 'bind', Source: '/srv', Target: '/d', BindOptions: { Propagation: 'rshared' } }, 'bind propagation "rshared" is not supported by minidock'],
    [{ Type: 'bind', Source: '/srv', Target: '/d', BindOptions: { NonRecursive: true } }, 'non-recursive bind mounts (bind-recursive=disabled) are not supported by minidock'],
    [{ Type: 'bind', Source: '/srv', Target: '/d', ReadOnly: true, BindOptions: { ReadOnlyNonRecursive: true } }, 'bind-recursive=writable is not supported by minidock'],
    [{ Type: 'bind', Source: '/srv', Target: '/d', VolumeOptions: {} }, 'invalid mount config for type "bind": field VolumeOptions must not be specified'],
    [{ Type: 'bind', Source: '/srv', Target: '/d', Consistency: 'cached' }, 'consistency mode "cached" is not supported by minidock'],
    [{ Type: 'volume', Target: '/d', BindOptions: {} }, 'invalid mount config for type "volume": field BindOptions must not be specified'],
    [{ Type: 'volume', Target: '/d', ReadOnly: true }, 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
    [{ Type: 'volume', Target: '/d', VolumeOptions: { Subpath: 'x' } }, 'must not set Subpath when using anonymous volumes'],
    [{ Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { Subpath: 'x' } }, 'volume subpaths (volume-subpath) are not supported by minidock'],
    [{ Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { DriverConfig: { Name: 'nfs' } } }, 'volume driver "nfs" (only "local") is not supported by minidock'],
    [{ Type: 'tmpfs', Source: 'x', Target: '/d' }, 'invalid mount config for type "tmpfs": field Source must not be specified'],
    [{ Type: 'tmpfs', Target: '/d', TmpfsOptions: { Options: [['nosuid']] } }, 'invalid mount config for type "tmpfs": invalid option: nosuid'],
    [{ Type: 'image', Source: 'alpine', Target: '/d' }, 'mount type "image" is not supported by minidock'],
    [{ Type: 'weird', Target: '/d' }, 'invalid mount config for type "weird": mount type unknown'],
  ])('%j is refused', (m, message) => {
    expect(() => decodeApiMount(m, ctx)).toThrow(message);
  });
});

describe('decodeTmpfs (HostConfig.Tmpfs)', () => {
  it('applies docker defaults and the options in order', () => {
    expect(decodeTmpfs('/run', '')).toEqual({ type: 'tmpfs', target: '/run', readOnly: false, from: 'Tmpfs', mode: '', tmpfs: { exec: false, suid: false, dev: false } });
    expect(decodeTmpfs('/run/', 'rw,noexec,nosuid,size=65536k,mode=1777,uid=1000,gid=1000,nr_inodes=10k,exec,ro,rprivate')).toMatchObject({
      target: '/run', readOnly: true, tmpfs: { size: '65536k', mode: 0o1777, uid: 1000, gid: 1000, nrInodes: '10k', exec: true, suid: false, dev: false },
    });
    expect(decodeTmpfs('/x', 'size=50%,suid,dev').tmpfs).toMatchObject({ size: '50%', suid: true, dev: true });
  });
  it.each([
    ['/', '', "invalid specification: destination can't be '/'"],
    ['rel', '', "invalid mount path: 'rel' mount path must be absolute"],
    ['/x', 'size=big', 'invalid tmpfs options for /x: invalid size: big'],
    ['/x', 'mode=999', 'invalid tmpfs options for /x: invalid mode: 999'],
    ['/x', 'uid=-1', 'invalid tmpfs options for /x: invalid uid: -1'],
    ['/x', 'noatime', 'invalid tmpfs options for /x: option "noatime" is not supported by minidock'],
    ['/x', 'huge=always', 'invalid tmpfs options for /x: option "huge" is not supported by minidock'],
    ['/x', 'rshared', 'option "rshared" is not supported by minidock'],
    ['/x', 'ro,,rw', 'invalid tmpfs options for /x: empty option'],
  ])('%s:%s is refused', (target, data, message) => {
    expect(() => decodeTmpfs(target, data)).toThrow(message);
  });
});

describe('decodeMounts (all fields together)', () => {
  it('orders parents first, lets explicit mounts win over anonymous volumes, keeps the rest', () => {
    const ms = decodeMounts({
      binds: ['/srv:/a/b', 'v1:/c'],
      mounts: [{ Type: 'tmpfs', Target: '/a' }],
      tmpfs: { '/run': 'size=1m' },
      volumes: { '/c': {}, '/d': {} },
      imageVolumes: { '/d': {}, '/e/': {} },
    }, ctx);
    expect(ms.map((m) => [m.type, m.target, m.from])).toEqual([
      ['volume', '/c', 'Binds'], ['tmpfs', '/a', 'Mounts'], ['tmpfs', '/run', 'Tmpfs'], ['volume', '/d', 'Volumes'], ['volume', '/e', 'Image'], ['bind', '/a/b', 'Binds'],
    ]);
  });
  it.each([
    [{ binds: ['/srv:/d', 'v:/d/'] }, 'Duplicate mount point: /d'],
    [{ binds: ['/srv:/d'], mounts: [{ Type: 'volume', Target: '/d' }] }, 'Duplicate mount point: /d'],
    [{ mounts: [{ Type: 'volume', Target: '/d' }, { Type: 'tmpfs', Target: '/d/' }] }, 'Duplicate mount point: /d/'],
    [{ binds: ['/srv:/run'], tmpfs: { '/run': '' } }, 'Duplicate mount point: /run'],
    [{ mounts: [{ Type: 'tmpfs', Target: '/run' }], tmpfs: { '/run': '' } }, 'Duplicate mount point: /run'],
    [{ volumes: { rel: {} } }, `invalid volume specification: 'rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
    [{ imageVolumes: { '/': {} } }, `invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    [{ volumeDriver: 'convoy', binds: ['/srv:/x'] }, 'volume driver "convoy" (only "local") is not supported by minidock'],
  ])('%j is refused', (req, message) => {
    expect(() => decodeMounts(req, ctx)).toThrow(message);
  });
});

describe('CLI encoders', () => {
  it.each([
    ['/data', { volume: '/data' }],
    ['/a', { volume: '/a' }],
    ['/host:/ctr', { bind: '/host:/ctr' }],
    ['name:/ctr:ro', { bind: 'name:/ctr:ro' }],
    ['./rel:/ctr:ro', { bind: '/work/dir/rel:/ctr:ro' }],
    ['.:/ctr', { bind: '/work/dir:/ctr' }],
  ])('-v %s', (spec, want) => {
    expect(encodeVolumeFlag(spec, '/work/dir')).toEqual(want);
  });
  it.each([
    ['', 'invalid empty volume spec'],
    ['/a::/b', 'invalid spec: /a::/b: empty section between colons'],
    ['/a:', 'invalid spec: /a:: empty section between colons'],
    ['/a:/b:ro:x', 'invalid spec: /a:/b:ro:x: too many colons'],
  ])('-v %j is refused', (spec, message) => {
    expect(() => encodeVolumeFlag(spec, '/')).toThrow(message);
  });

  it.each<[string, ApiMount]>([
    ['type=bind,source=/srv,target=/data,readonly', { Type: 'bind', Source: '/srv', Target: '/data', ReadOnly: true }],
    ['type=bind,src=./x,dst=/d,ro=false,bind-propagation=RPRIVATE', { Type: 'bind', Source: '/cwd/x', Target: '/d', ReadOnly: false, BindOptions: { Propagation: 'rprivate' } }],
    ['target=/d', { Type: 'volume', Target: '/d' }],
    ['Type=VOLUME,Source=v,Destination=/d,volume-nocopy,volume-label=a=b,volume-label=c,volume-opt=type=tmpfs,volume-driver=local',
      { Type: 'volume', Source: 'v', Target: '/d', VolumeOptions: { NoCopy: true, Labels: { a: 'b', c: '' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs' } } } }],
    ['type=volume,target=/d,volume-nocopy=false', { Type: 'volume', Target: '/d', VolumeOptions: { NoCopy: false } }],
    ['type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1770', { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 64 << 20, Mode: 0o1770 } }],
    ['type=bind,src=/a,dst=/b,ro,bind-recursive=readonly', { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true } }],
    ['type=bind,"src=/a,b",dst=/c', { Type: 'bind', Source: '/a,b', Target: '/c' }],
  ])('--mount %s', (flag, want) => {
    expect(encodeMountFlag(flag, '/cwd')).toEqual(want);
  });
  it.each([
    ['type=bind,src=/a', 'target is required'],
    ['type=,target=/a', 'type is required'],
    ['type=bind,target=/a,bogus', "invalid field 'bogus' must be a key=value pair"],
    ['type=bind,target=/a,foo=bar', "unexpected key 'foo' in 'foo=bar'"],
    ['type=bind,target=/a,readonly=maybe', 'invalid value for readonly: maybe'],
    ['type=volume,target=/a,volume-nocopy=maybe', 'invalid value for volume-nocopy: maybe'],
    ['type=tmpfs,target=/a,tmpfs-size=lots', 'invalid value for tmpfs-size: lots'],
    ['type=tmpfs,target=/a,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'],
    ['type=bind,target=/a,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=volume,target=/a,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['type=volume,target=/a,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'volume'"],
    ['type=bind,src=/a,target=/a,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['type=bind,src=/a,target=/a,bind-recursive=sideways', 'invalid value for bind-recursive: sideways'],
    ['type=bind,src=/a,target=/a,ro,bind-recursive=readonly,bind-propagation=rslave', "requires 'bind-propagation=rprivate'"],
    ['type=bind,sr"c=/a,target=/b', 'bare " in non-quoted-field'],
  ])('--mount %j is refused', (flag, message) => {
    expect(() => encodeMountFlag(flag, '/')).toThrow(message);
  });

  it('--tmpfs builds the HostConfig.Tmpfs map and refuses a target twice', () => {
    expect(encodeTmpfsFlags(['/run', '/tmp:rw,size=1m'])).toEqual({ '/run': '', '/tmp': 'rw,size=1m' });
    expect(() => encodeTmpfsFlags(['/run', '/run:size=1m'])).toThrow('Duplicate mount point: /run');
  });

  it('RAMInBytes', () => {
    expect([ramInBytes('64m'), ramInBytes('1.5g'), ramInBytes('100kb'), ramInBytes('10MiB'), ramInBytes('7'), ramInBytes('x')])
      .toEqual([64 << 20, 1.5 * 2 ** 30, 102400, 10 << 20, 7, undefined]);
  });

  it('a --mount flag decodes to the spec the engine would build', () => {
    const spec = decodeApiMount(encodeMountFlag('type=bind,src=/srv,dst=/data,ro', '/'), ctx);
    expect(spec).toEqual({ type: 'bind', source: '/srv', target: '/data', readOnly: true, createSource: false, propagation: 'rprivate', from: 'Mounts', mode: '' });
    const v = encodeVolumeFlag('named:/data:ro', '/');
    expect('bind' in v && decodeBind(v.bind)).toMatchObject({ type: 'volume', name: 'named', readOnly: true, mode: 'ro' });
  });
});
