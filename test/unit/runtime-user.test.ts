import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLayeredFile, resolveUser, resolveUserFrom } from '../../src/runtime/user.js';
import { idMappingFrom, parseSubId } from '../../src/runtime/idmap.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000:app:/home/app:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n';
const group = 'root:x:0:\napp:x:1000:\nextra:x:1500:app,web\nwww:x:33:\nmore:x:1600:web,app\n';

describe('resolveUserFrom', () => {
  // additionalGids as docker's `id` shows them: the primary gid, then /etc/group memberships
  // only when no group was given (runc GetExecUser), e.g. `-u app:www` -> groups=33(www).
  const table: [string, object][] = [
    ['', { uid: 0, gid: 0, additionalGids: [0], home: '/root' }],
    ['root', { uid: 0, gid: 0, additionalGids: [0], home: '/root' }],
    ['app', { uid: 1000, gid: 1000, additionalGids: [1000, 1500, 1600], home: '/home/app' }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [1000, 1500, 1600] }],
    ['app:www', { uid: 1000, gid: 33, additionalGids: [33] }],
    ['app:1500', { uid: 1000, gid: 1500, additionalGids: [1500] }],
    ['web', { uid: 33, gid: 33, additionalGids: [33, 1500, 1600], home: '/var/www' }],
    ['4242', { uid: 4242, gid: 0, additionalGids: [0], home: '/' }],
    ['4242:4343', { uid: 4242, gid: 4343, additionalGids: [4343] }],
    ['0:extra', { uid: 0, gid: 1500, additionalGids: [1500] }],
    [':1600', { uid: 0, gid: 1600, additionalGids: [1600] }],
  ];
  for (const [spec, want] of table) it(`"${spec}"`, () => expect(resolveUserFrom(passwd, group, spec)).toMatchObject(want));

  it('does not repeat the primary gid when the user is also listed as a member of it', () => {
    expect(resolveUserFrom(passwd, 'app:x:1000:app\nextra:x:1500:app\n', 'app').additionalGids).toEqual([1000, 1500]);
  });

  it('gives docker errors for unknown names', () => {
    expect(() => resolveUserFrom(passwd, group, 'foo')).toThrow('unable to find user foo: no matching entries in passwd file');
    expect(() => resolveUserFrom(undefined, undefined, 'foo')).toThrow('unable to find user foo: no matching entries in passwd file');
    expect(() => resolveUserFrom(passwd, group, 'app:nogroup')).toThrow('unable to find group nogroup: no matching entries in group file');
    expect(resolveUserFrom(undefined, undefined, '5:6')).toMatchObject({ uid: 5, gid: 6, additionalGids: [6] });
  });
});

describe('readLayeredFile / resolveUser over layer dirs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'B-user-'));
    for (const l of ['bottom', 'mid', 'top']) await fs.mkdir(path.join(dir, l, 'etc'), { recursive: true });
    await fs.writeFile(path.join(dir, 'bottom/etc/passwd'), 'root:x:0:0::/root:/bin/sh\nold:x:7:7::/old:/bin/sh\n');
    await fs.writeFile(path.join(dir, 'bottom/etc/group'), 'g:x:9:old\n');
    await fs.writeFile(path.join(dir, 'mid/etc/passwd'), 'root:x:0:0::/root:/bin/sh\nnew:x:8:8::/new:/bin/sh\n');
  });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });
  const layers = () => ['top', 'mid', 'bottom'].map((l) => path.join(dir, l));

  it('takes the topmost copy', async () => {
    expect(await readLayeredFile(layers(), 'etc/passwd')).toContain('new:x:8');
    expect(await readLayeredFile(layers(), 'etc/group')).toContain('g:x:9');
    expect(await readLayeredFile(layers(), 'etc/shadow')).toBeUndefined();
    await expect(resolveUser(layers(), 'new')).resolves.toMatchObject({ uid: 8, gid: 8, additionalGids: [8], home: '/new' });
    await expect(resolveUser(layers(), 'old')).rejects.toThrow('unable to find user old');
  });

  it.skipIf(process.getuid?.() !== 0)('honours whiteouts of the file and of a parent dir (root: mknod)', async () => {
    const { run } = await import('../../src/util/exec.js');
    await run('mknod', [path.join(dir, 'top/etc/group'), 'c', '0', '0']);
    expect(await readLayeredFile(layers(), 'etc/group')).toBeUndefined();
    await fs.rm(path.join(dir, 'top/etc'), { recursive: true });
    await run('mknod', [path.join(dir, 'top/etc'), 'c', '0', '0']);
    expect(await readLayeredFile(layers(), 'etc/passwd')).toBeUndefined();
  });
});

describe('id mapping defaults', () => {
  it('uses env, then /etc/subuid minidock entry, then 100000+65536', () => {
    expect(idMappingFrom({}, undefined, undefined).uidMap).toEqual([{ containerId: 0, hostId: 100000, size: 65536 }]);
    const sub = 'alice:100000:65536\nminidock:300000:70000\n';
    expect(idMappingFrom({}, sub, undefined)).toEqual({
      uidMap: [{ containerId: 0, hostId: 300000, size: 70000 }], gidMap: [{ containerId: 0, hostId: 300000, size: 70000 }],
    });
    expect(idMappingFrom({ MINIDOCK_USERNS_BASE: '500000', MINIDOCK_USERNS_SIZE: '1000' }, sub, sub).gidMap)
      .toEqual([{ containerId: 0, hostId: 500000, size: 1000 }]);
    expect(() => idMappingFrom({ MINIDOCK_USERNS_BASE: 'x' })).toThrow(/invalid MINIDOCK_USERNS_BASE/);
    expect(parseSubId('minidock:1:x\n')).toBeUndefined();
  });
});
