// Namespace modes, --add-host and --dns* options: docker's checks and file contents (pure parts).
import { describe, expect, it } from 'vitest';
import { checkNamespaceModes, containerOf, holderRefs } from '../../src/engine/namespaces.js';
import { extraHostLines, hostsFile, parseExtraHost } from '../../src/engine/etc-files.js';
import { withUserResolv } from '../../src/network/resolvconf.js';
import { validateCreate } from '../../src/engine/create.js';
import type { CreateContainerBody } from '../../src/wire/api-types.js';

const body = (hc: CreateContainerBody['HostConfig'], extra: Partial<CreateContainerBody> = {}): CreateContainerBody => ({ Image: 'b', HostConfig: hc, ...extra });

describe('namespace modes', () => {
  it('reads container: references', () => {
    expect(containerOf('container:web')).toBe('web');
    expect(containerOf('bridge')).toBeUndefined();
    expect(holderRefs({ NetworkMode: 'container:a', PidMode: 'container:a', IpcMode: 'container:b' })).toEqual(['a', 'b']);
  });

  it.each([
    [body({ NetworkMode: 'container:x', PortBindings: { '80/tcp': [{ HostPort: '8080' }] } }), 'conflicting options: port publishing and the container type network mode'],
    [body({ NetworkMode: 'container:x', PublishAllPorts: true }), 'conflicting options: port publishing and the container type network mode'],
    [body({ NetworkMode: 'container:x' }, { ExposedPorts: { '80/tcp': {} } }), 'conflicting options: port exposing and the container type network mode'],
    [body({ NetworkMode: 'container:x' }, { Hostname: 'h' }), 'conflicting options: hostname and the network mode'],
    [body({ NetworkMode: 'container:x', Dns: ['1.1.1.1'] }), 'conflicting options: dns and the network mode'],
    [body({ NetworkMode: 'container:x', DnsSearch: ['a'] }), 'conflicting options: dns and the network mode'],
    [body({ NetworkMode: 'container:x', ExtraHosts: ['a:1.2.3.4'] }), 'conflicting options: custom host-to-IP mapping and the network mode'],
    [body({ NetworkMode: 'container:x' }, { MacAddress: '02:42:ac:11:00:09' }), 'conflicting options: mac-address and the network mode'],
    [body({ NetworkMode: 'container:' }), 'invalid network mode: invalid container format container:<name|id>'],
    [body({ PidMode: 'bogus' }), 'invalid --pid: bogus'],
    [body({ IpcMode: 'bogus' }), 'invalid --ipc: bogus'],
    [body({ UTSMode: 'private' }), 'invalid UTS mode: private'],
    [body({ UTSMode: 'host' }, { Hostname: 'h' }), 'conflicting options: hostname and the UTS mode'],
    [body({ PidMode: 'host' }), 'cannot share the host PID namespace when user namespaces are enabled (use --userns=host)'],
  ])('refuses %j', (b, msg) => {
    expect(() => checkNamespaceModes(b, true)).toThrow(msg);
  });

  it('accepts docker\'s modes', () => {
    for (const hc of [{ NetworkMode: 'container:x' }, { PidMode: 'container:x' }, { IpcMode: 'shareable' }, { IpcMode: 'none' },
      { IpcMode: 'host' }, { IpcMode: 'private' }, { IpcMode: 'container:x' }, { UTSMode: 'host' }]) {
      expect(() => checkNamespaceModes(body(hc), true)).not.toThrow();
    }
    expect(() => checkNamespaceModes(body({ PidMode: 'host' }), false)).not.toThrow();
  });
});

describe('--add-host', () => {
  it('parses name:ip, name=ip, [ipv6] and host-gateway; refuses bad ones with docker\'s words', () => {
    expect(parseExtraHost('db:10.0.0.1')).toEqual({ name: 'db', ip: '10.0.0.1' });
    expect(parseExtraHost('db=10.0.0.1')).toEqual({ name: 'db', ip: '10.0.0.1' });
    expect(parseExtraHost('v6:[::1]')).toEqual({ name: 'v6', ip: '::1' });
    expect(parseExtraHost('gw:host-gateway')).toEqual({ name: 'gw', ip: 'host-gateway' });
    expect(() => parseExtraHost('nocolon')).toThrow('bad format for add-host: "nocolon"');
    expect(() => parseExtraHost(':1.2.3.4')).toThrow('bad format for add-host: ":1.2.3.4"');
    expect(() => parseExtraHost('db:notanip')).toThrow('invalid IP address in add-host: "notanip"');
  });

  it('writes them after the defaults and before the container\'s addresses; host-gateway is the given gateway', () => {
    const extra = extraHostLines(['db:10.0.0.1', 'gw:host-gateway'], '172.18.0.1');
    expect(extra).toEqual(['10.0.0.1\tdb', '172.18.0.1\tgw']);
    expect(hostsFile('h', ['172.18.0.2'], extra).split('\n').slice(-4)).toEqual(['10.0.0.1\tdb', '172.18.0.1\tgw', '172.18.0.2\th', '']);
    expect(() => extraHostLines(['gw:host-gateway'], undefined)).toThrow(/host-gateway/);
  });
});

describe('--dns, --dns-search, --dns-option', () => {
  const base = 'search corp.example\nnameserver 10.0.0.2\noptions edns0\n';
  it('each given list replaces its part of the file', () => {
    expect(withUserResolv(base, { dns: ['1.1.1.1', '8.8.8.8'] })).toBe('search corp.example\nnameserver 1.1.1.1\nnameserver 8.8.8.8\noptions edns0\n');
    expect(withUserResolv(base, { search: ['a.test', 'b.test'], options: ['ndots:2', 'timeout:1'] })).toBe('search a.test b.test\nnameserver 10.0.0.2\noptions ndots:2 timeout:1\n');
    expect(withUserResolv(base, { search: ['.'] })).toBe('nameserver 10.0.0.2\noptions edns0\n');
  });
});

describe('create checks of --mac-address and --dns', () => {
  it.each([
    [{ MacAddress: 'zz:42:ac:11:00:09' }, 'invalid MAC address: zz:42:ac:11:00:09'],
    [{ MacAddress: '03:42:ac:11:00:09' }, 'invalid MAC address: 03:42:ac:11:00:09 is a multicast address'],
    [{ MacAddress: '02:42:ac:11:00:09', HostConfig: { NetworkMode: 'host' } }, 'conflicting options: mac-address and the network mode'],
    [{ HostConfig: { Dns: ['not-an-ip'] } }, 'invalid argument "not-an-ip" for "--dns" flag: not-an-ip is not an ip address'],
    [{ HostConfig: { NetworkMode: 'mynet', Dns: ['1.1.1.1'] } }, 'minidock does not support HostConfig.Dns (--dns) on a user-defined network (mynet) yet'],
    [{ HostConfig: { ExtraHosts: ['db:nope'] } }, 'invalid IP address in add-host: "nope"'],
  ])('refuses %j', (extra, msg) => {
    expect(() => validateCreate({ Image: 'b', ...extra } as CreateContainerBody)).toThrow(msg);
  });

  it('accepts a unicast MAC in either notation on the default network', () => {
    expect(() => validateCreate({ Image: 'b', MacAddress: '92:d0:c6:0a:29:33' })).not.toThrow();
    expect(() => validateCreate({ Image: 'b', MacAddress: '92-D0-C6-0A-29-33' })).not.toThrow();
  });
});
