import { describe, expect, it } from 'vitest';
import { escapeValue, serializeExecSpec, serializeRunSpec, toHostId, unescapeValue } from '../../src/runtime/spec.js';
import type { ContainerSpec } from '../../src/runtime/types.js';

const spec: ContainerSpec = {
  id: 'c1', layerDirs: ['/l/bottom', '/l/top'], upperDir: '/c/upper', workDir: '/c/work',
  args: ['sh', '-c', 'echo "a\\b"\nls'], env: ['PATH=/bin', 'X=1'], cwd: '/app', uid: 1000, gid: 1000, additionalGids: [5, 1500],
  hostname: 'h', tty: false, openStdin: true,
  userns: { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 200000, size: 1000 }] },
  network: 'new', etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
  logPath: '/c/stdio.log', exitPath: '/c/exit.json', runDir: '/r/c1',
};

function parse(text: string): [string, string][] {
  return text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), unescapeValue(l.slice(l.indexOf(' ') + 1))]);
}

describe('spec serializer', () => {
  it('escapes backslash and newline so every entry is one line, and round-trips', () => {
    expect(escapeValue('a\\b\nc')).toBe('a\\\\b\\nc');
    for (const v of ['', 'plain', 'a\\nb', '\\\\', '\n\n', 'x\\', 'tab\there']) expect(unescapeValue(escapeValue(v))).toBe(v);
    expect(() => escapeValue('a\0b')).toThrow(/NUL/);
  });

  it('writes a run spec with lists in order', () => {
    const kv = parse(serializeRunSpec(spec));
    const all = (k: string) => kv.filter(([key]) => key === k).map(([, v]) => v);
    expect(all('layer')).toEqual(['/l/bottom', '/l/top']);
    expect(all('arg')).toEqual(spec.args);
    expect(all('env')).toEqual(['PATH=/bin', 'X=1']);
    expect(all('group')).toEqual(['5', '1500']);
    expect(all('uidmap')).toEqual(['0 100000 65536']);
    expect(all('gidmap')).toEqual(['0 200000 1000']);
    expect(Object.fromEntries(kv)).toMatchObject({
      upper: '/c/upper', work: '/c/work', rundir: '/r/c1', rootfs: '/r/c1/rootfs', cwd: '/app', uid: '1000', gid: '1000',
      tty: '0', stdin: '1', hostname: 'h', net: 'new', etc_hostname: '/c/hostname', etc_hosts: '/c/hosts',
      etc_resolv: '/c/resolv.conf', log: '/c/stdio.log', exit: '/c/exit.json', sock: '/r/c1/attach.sock',
    });
  });

  it('omits the maps for --userns=host', () => {
    const text = serializeRunSpec({ ...spec, userns: null, network: 'host', tty: true });
    expect(text).not.toMatch(/^uidmap /m);
    expect(text).not.toMatch(/^gidmap /m);
    expect(text).toMatch(/^net host$/m);
    expect(text).toMatch(/^tty 1$/m);
  });

  it('refuses specs the shim cannot run', () => {
    expect(() => serializeRunSpec({ ...spec, args: [] })).toThrow(/no command/);
    expect(() => serializeRunSpec({ ...spec, cwd: 'rel' })).toThrow(/'rel' is invalid/);
  });

  it('writes an exec spec', () => {
    const kv = parse(serializeExecSpec(42, { args: ['ls'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: true }));
    expect(kv).toEqual([['pid', '42'], ['arg', 'ls'], ['cwd', '/'], ['uid', '0'], ['gid', '0'], ['tty', '1']]);
  });
});

describe('stdio ownership', () => {
  it('maps the process user to the host so the container can reopen /dev/stdout', () => {
    const kv = parse(serializeRunSpec(spec));
    // uid 1000 -> 101000; gid 1000 falls outside the 1000-long gid map -> unmapped (-1, stays root's)
    expect(kv.filter(([k]) => k === 'stdio_uid' || k === 'stdio_gid')).toEqual([['stdio_uid', '101000'], ['stdio_gid', '-1']]);
  });

  it('toHostId maps through the ranges and is the identity without a user namespace', () => {
    const map = [{ containerId: 0, hostId: 100000, size: 10 }, { containerId: 10, hostId: 300000, size: 5 }];
    expect(toHostId(map, 0)).toBe(100000);
    expect(toHostId(map, 12)).toBe(300002);
    expect(toHostId(map, 15)).toBe(-1);
    expect(toHostId(undefined, 33)).toBe(33);
  });
});

describe('sysctls', () => {
  it('are written as slash paths with their value, and odd names are refused', () => {
    const kv = parse(serializeRunSpec({ ...spec, sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1' } }));
    expect(kv.filter(([k]) => k === 'sysctl')).toEqual([['sysctl', 'net/ipv6/conf/all/disable_ipv6 1']]);
    expect(() => serializeRunSpec({ ...spec, sysctls: { '../../etc/passwd': '1' } })).toThrow(/invalid sysctl/);
  });
});
