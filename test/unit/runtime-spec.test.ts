// The TS half of the spec codec: exact text. The C half parses it in the shim, and both are
// tested against each other by test/integration/runtime-spec-shim.test.ts with real specs.
import { describe, expect, it } from 'vitest';
import { InvalidSpec } from '../../src/errors.js';
import { capabilityMask, capabilityNumber, DEFAULT_CAPABILITIES, defaultProcessSecurity, defaultSecurity } from '../../src/runtime/index.js';
import { serializeExecSpec, serializeRunSpec, toHostId, vethLine } from '../../src/runtime/spec.js';
import type { ContainerSpec } from '../../src/runtime/types.js';

const spec: ContainerSpec = {
  id: 'c1', layerDirs: ['/l/bottom', '/l/top'], upperDir: '/c/upper', workDir: '/c/work',
  args: ['sh', '-c', 'echo "a\\b"\nls'], env: ['PATH=/bin', 'X=1'], cwd: '/app', uid: 1000, gid: 1000, additionalGids: [5, 1500],
  hostname: 'h', tty: false, openStdin: true,
  userns: { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 200000, size: 1000 }] },
  network: 'new', etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
  logPath: '/c/stdio.log', exitPath: '/c/exit.json', runDir: '/r/c1',
  capabilities: ['CAP_KILL', 'CAP_CHOWN'], noNewPrivileges: false, seccomp: null,
  maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'],
};

const lines = (text: string) => text.split('\n').filter(Boolean);
const valuesOf = (text: string, key: string) => lines(text).filter((l) => l.startsWith(`${key} `)).map((l) => l.slice(key.length + 1));

describe('spec serializer', () => {
  it('writes a run spec, escaping backslash and newline so every entry is one line', () => {
    expect(serializeRunSpec(spec)).toBe([
      'layer /l/bottom', 'layer /l/top', 'upper /c/upper', 'work /c/work', 'rundir /r/c1', 'rootfs /r/c1/rootfs',
      'arg sh', 'arg -c', 'arg echo "a\\\\b"\\nls', 'env PATH=/bin', 'env X=1', 'cwd /app', 'uid 1000', 'gid 1000',
      'group 5', 'group 1500', 'tty 0', 'cap_bounding 0', 'cap_bounding 5', 'no_new_privs 0',
      'stdin 1', 'hostname h', 'net new', 'uidmap 0 100000 65536', 'gidmap 0 200000 1000',
      'mask /proc/kcore', 'readonly /proc/sys',
      'etc_hostname /c/hostname', 'etc_hosts /c/hosts', 'etc_resolv /c/resolv.conf',
      // uid 1000 -> 101000; gid 1000 falls outside the 1000-long gid map -> unmapped (-1, stays root's)
      'stdio_uid 101000', 'stdio_gid -1', 'log /c/stdio.log', 'exit /c/exit.json', 'sock /r/c1/attach.sock', '',
    ].join('\n'));
  });

  it('writes namespace joins (user first), host namespaces, shm_from, no_shm and init', () => {
    const text = serializeRunSpec({ ...spec, join: { net: 41, user: 40, pid: 42, ipc: 43 }, hostNamespaces: ['uts'], shmFrom: 43, init: true });
    expect(lines(text).filter((l) => /^(join_|host_|shm_from|no_shm|init )/.test(l))).toEqual([
      'join_user 40', 'join_net 41', 'join_ipc 43', 'join_pid 42', 'host_uts 1', 'shm_from 43', 'init 1',
    ]);
    expect(valuesOf(serializeRunSpec({ ...spec, noShm: true }), 'no_shm')).toEqual(['1']);
    expect(serializeRunSpec(spec)).not.toMatch(/^(join_|host_|shm_from|no_shm|init )/m);
  });

  it('refuses namespace joins the shim would refuse', () => {
    // a user namespace's holder owns its other namespaces: they cannot be joined without it
    expect(() => serializeRunSpec({ ...spec, join: { net: 41 } })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, userns: null, join: { user: 40 } })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, join: { user: 40, net: 41 }, network: 'host' })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, join: { user: 40, pid: 0 } })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, join: { user: 40, pid: 4 }, hostNamespaces: ['pid'] })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, join: { mnt: 4 } as never })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, hostNamespaces: ['net' as never] })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, shmFrom: 4, hostNamespaces: ['ipc'] })).toThrow(InvalidSpec);
    expect(() => serializeRunSpec({ ...spec, noShm: true, shmFrom: 4 })).toThrow(InvalidSpec);
    // without a user namespace, namespaces are joined directly
    expect(valuesOf(serializeRunSpec({ ...spec, userns: null, join: { net: 41 } }), 'join_net')).toEqual(['41']);
  });

  it('omits the maps for --userns=host', () => {
    const text = serializeRunSpec({ ...spec, userns: null, network: 'host', tty: true });
    expect(text).not.toMatch(/^uidmap /m);
    expect(text).not.toMatch(/^gidmap /m);
    expect(text).toMatch(/^net host$/m);
    expect(text).toMatch(/^tty 1$/m);
  });

  it('writes a tty\'s first size (ConsoleSize) and refuses one without a tty or out of range', () => {
    const text = serializeRunSpec({ ...spec, tty: true, consoleSize: { rows: 40, cols: 120 } });
    expect(valuesOf(text, 'tty_rows')).toEqual(['40']);
    expect(valuesOf(text, 'tty_cols')).toEqual(['120']);
    expect(serializeRunSpec({ ...spec, tty: true })).not.toMatch(/^tty_rows /m);
    expect(valuesOf(serializeExecSpec(42, { args: ['sh'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: true, consoleSize: { rows: 9, cols: 30 }, capabilities: [], noNewPrivileges: true, seccomp: null }), 'tty_cols')).toEqual(['30']);
    expect(() => serializeRunSpec({ ...spec, tty: false, consoleSize: { rows: 40, cols: 120 } })).toThrow(/only a tty has a size/);
    expect(() => serializeRunSpec({ ...spec, tty: true, consoleSize: { rows: 0, cols: 120 } })).toThrow(/not 1 to 65535/);
  });

  it('refuses, with a typed error naming the field, what the shim cannot run', () => {
    const bad: [Partial<ContainerSpec>, RegExp][] = [
      [{ args: [] }, /no command specified/],
      [{ cwd: 'rel' }, /invalid working directory "rel": it needs to be an absolute path/],
      [{ env: ['A=x\0y'] }, /invalid env "A=x\\u0000y": contains a NUL byte/],
      [{ args: ['a\0'] }, /invalid arg/],
      [{ uid: 4294967296 }, /invalid uid "4294967296": not an id in 0..2147483647/],
      [{ gid: -1 }, /invalid gid "-1"/],
      [{ uid: 1.5 }, /invalid uid/],
      [{ additionalGids: [2147483648] }, /invalid group "2147483648"/],
      [{ capabilities: ['CAP_NOPE'] }, /invalid capability "CAP_NOPE": unknown capability/],
      [{ maskedPaths: ['proc/kcore'] }, /invalid masked path "proc\/kcore": not an absolute path/],
      [{ readonlyPaths: [''] }, /invalid read-only path/],
      [{ sysctls: { '../../etc/passwd': '1' } }, /invalid sysctl name/],
      [{ userns: { uidMap: [{ containerId: 0, hostId: 2 ** 32, size: 1 }], gidMap: [] } }, /invalid uid map/],
      [{ userns: { uidMap: [{ containerId: 0, hostId: 1, size: 0 }], gidMap: [] } }, /invalid uid map/],
    ];
    for (const [over, msg] of bad) {
      const err = (() => { try { serializeRunSpec({ ...spec, ...over }); } catch (e) { return e; } })();
      expect(err, JSON.stringify(over)).toBeInstanceOf(InvalidSpec);
      expect((err as InvalidSpec).message).toMatch(msg);
      expect((err as InvalidSpec).status).toBe(400);
    }
    // a long value is shortened in the message
    const long = (() => { try { serializeRunSpec({ ...spec, env: [`${'x'.repeat(5000)}\0`] }); } catch (e) { return e as Error; } })();
    expect(long!.message.length).toBeLessThan(200);
  });

  it('writes an exec spec', () => {
    const text = serializeExecSpec(42, { args: ['ls'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: true, capabilities: ['chown', 'KILL'], noNewPrivileges: true, seccomp: null });
    expect(text).toBe('pid 42\narg ls\ncwd /\nuid 0\ngid 0\ntty 1\ncap_bounding 0\ncap_bounding 5\ncap_permitted 0\ncap_permitted 5\nno_new_privs 1\n');
    expect(() => serializeExecSpec(0, { ...spec })).toThrow(InvalidSpec);
  });
});

describe('capabilities and seccomp in the spec', () => {
  it('gives root the set as bounding, permitted and effective, and other users only the bounding set (as docker)', () => {
    const root = serializeRunSpec({ ...spec, uid: 0, capabilities: [...DEFAULT_CAPABILITIES] });
    const expected = ['0', '1', '3', '4', '5', '6', '7', '8', '10', '13', '18', '27', '29', '31'];
    expect(valuesOf(root, 'cap_bounding')).toEqual(expected);
    expect(valuesOf(root, 'cap_permitted')).toEqual(expected);
    const user = serializeRunSpec({ ...spec, uid: 1000, capabilities: [...DEFAULT_CAPABILITIES] });
    expect(valuesOf(user, 'cap_bounding')).toEqual(expected);
    expect(valuesOf(user, 'cap_permitted')).toEqual([]);
    expect(valuesOf(serializeRunSpec({ ...spec, capabilities: [] }), 'cap_bounding')).toEqual([]);
  });

  it('names a seccomp file only when there are rules', () => {
    expect(valuesOf(serializeRunSpec({ ...spec, seccomp: 'rules' }), 'seccomp')).toEqual(['/r/c1/seccomp']);
    expect(valuesOf(serializeExecSpec(7, { ...spec, seccomp: 'rules' }, '/r/c1/exec-1.seccomp'), 'seccomp')).toEqual(['/r/c1/exec-1.seccomp']);
    expect(() => serializeExecSpec(7, { ...spec, seccomp: 'rules' })).toThrow(/no file to write the rules to/);
  });

  it("docker's default set is a80425fb and the defaults are docker's lists", () => {
    expect(capabilityMask(DEFAULT_CAPABILITIES)).toBe('00000000a80425fb');
    expect(capabilityNumber('net_raw')).toBe(13);
    expect(defaultProcessSecurity()).toEqual({ capabilities: [...DEFAULT_CAPABILITIES], noNewPrivileges: false, seccomp: null });
    expect(defaultSecurity().maskedPaths).toContain('/sys/firmware');
    expect(defaultSecurity().readonlyPaths).toEqual(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  });
});

describe('stdio ownership', () => {
  it('toHostId maps through the ranges and is the identity without a user namespace', () => {
    const map = [{ containerId: 0, hostId: 100000, size: 10 }, { containerId: 10, hostId: 300000, size: 5 }];
    expect(toHostId(map, 0)).toBe(100000);
    expect(toHostId(map, 12)).toBe(300002);
    expect(toHostId(map, 15)).toBe(-1);
    expect(toHostId(undefined, 33)).toBe(33);
  });
});

describe('sysctls', () => {
  it('are written as slash paths with their value', () => {
    expect(valuesOf(serializeRunSpec({ ...spec, sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1' } }), 'sysctl')).toEqual(['net/ipv6/conf/all/disable_ipv6 1']);
  });
});

describe('spec serializer: the cgroup view', () => {
  it('writes v1 hierarchies and links, or the one v2 directory', () => {
    const v1 = serializeRunSpec({ ...spec, cgroupView: [{ name: 'cpu,cpuacct', source: '/sys/fs/cgroup/cpu,cpuacct/minidock/x' }, { name: 'cpu', link: 'cpu,cpuacct' }] });
    expect(valuesOf(v1, 'cgroup')).toEqual(['cpu,cpuacct /sys/fs/cgroup/cpu,cpuacct/minidock/x', 'cpu -> cpu,cpuacct']);
    expect(valuesOf(serializeRunSpec({ ...spec, cgroupView: [{ name: '.', source: '/sys/fs/cgroup/minidock/x' }] }), 'cgroup')).toEqual(['. /sys/fs/cgroup/minidock/x']);
    expect(valuesOf(serializeRunSpec(spec), 'cgroup')).toEqual([]);
  });

  it('refuses names that are not one path component, relative dirs and a v2 entry among others', () => {
    const bad = [
      [{ name: '../x', source: '/d' }], [{ name: 'a b', source: '/d' }], [{ name: 'memory', source: 'rel' }],
      [{ name: 'cpu', link: '../etc' }], [{ name: '.', source: '/d' }, { name: 'memory', source: '/e' }],
    ];
    for (const cgroupView of bad) expect(() => serializeRunSpec({ ...spec, cgroupView }), JSON.stringify(cgroupView)).toThrow(/cgroup/);
  });
});

describe('spec serializer: mounts', () => {
  it('writes one mount_kind/mount_src/mount_dst triple per mount, in order, and readonly_root', () => {
    const text = serializeRunSpec({ ...spec, readonlyRootfs: true, mounts: [
      { type: 'bind', source: '/host dir', target: '/data', readOnly: true },
      { type: 'tmpfs', source: 'tmpfs', target: '/t', readOnly: false, flags: ['nosuid', 'noexec'], options: 'mode=1777,uid=100000,gid=100000' },
    ] });
    expect(valuesOf(text, 'readonly_root')).toEqual(['1']);
    expect(valuesOf(text, 'mount_kind')).toEqual(['bind ro', 'tmpfs rw nosuid,noexec mode=1777,uid=100000,gid=100000']);
    expect(valuesOf(text, 'mount_src')).toEqual(['/host dir', 'tmpfs']);
    expect(valuesOf(text, 'mount_dst')).toEqual(['/data', '/t']);
  });

  it('refuses a relative target or source, the root as target, and white space in tmpfs options', () => {
    const bad = [
      { type: 'bind' as const, source: '/x', target: 'rel', readOnly: false },
      { type: 'bind' as const, source: 'rel', target: '/x', readOnly: false },
      { type: 'bind' as const, source: '/x', target: '/', readOnly: false },
      { type: 'tmpfs' as const, source: 'tmpfs', target: '/t', readOnly: false, options: 'size=1m mode=1' },
    ];
    for (const m of bad) expect(() => serializeRunSpec({ ...spec, mounts: [m] })).toThrow(InvalidSpec);
  });
});

describe('the shim\'s veth request (its reader: shim/netlink.c veth_parse)', () => {
  const plan = { pid: 7, bridge: 'md-1', hostVeth: 'veth1234567', ifName: 'eth0', mac: '02:42:ac:12:00:02', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', defaultRoute: true };
  it('is one line of six words; the gateway is - without a default route', () => {
    expect(vethLine(plan)).toBe('veth veth1234567 md-1 eth0 02:42:ac:12:00:02 172.18.0.2/16 172.18.0.1\n');
    expect(vethLine({ ...plan, defaultRoute: false, gateway: '' })).toBe('veth veth1234567 md-1 eth0 02:42:ac:12:00:02 172.18.0.2/16 -\n');
  });
  it('refuses what the shim could not read, naming the field', () => {
    expect(() => vethLine({ ...plan, bridge: 'a b' })).toThrow(InvalidSpec);
    expect(() => vethLine({ ...plan, hostVeth: 'veth12345678901234' })).toThrow('invalid hostVeth');
    expect(() => vethLine({ ...plan, ifName: '' })).toThrow('invalid ifName');
    expect(() => vethLine({ ...plan, mac: '02:42:AC:12:00:02' })).toThrow('invalid mac');
    expect(() => vethLine({ ...plan, ip: '172.18.0.256' })).toThrow('invalid ip');
    expect(() => vethLine({ ...plan, prefixLen: 33 })).toThrow('invalid prefixLen');
    expect(() => vethLine({ ...plan, gateway: '' })).toThrow('invalid gateway');
  });
});
