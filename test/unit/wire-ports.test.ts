import { describe, expect, it } from 'vitest';
import {
  bindingsToMappings, bindingToMapping, hostPortText, mappingsToBindings, parseExposeSpec, parsePortKey, parsePortSpec, parsePortSpecs,
} from '../../src/wire/ports.js';

const m = (hostIp: string, hostPort: number, containerPort: number, proto: 'tcp' | 'udp' = 'tcp') => ({ hostIp, hostPort, containerPort, proto });

describe('parsePortSpecs', () => {
  it.each([
    ['80', [m('', 0, 80)]],
    ['8080:80', [m('', 8080, 80)]],
    ['8080:80/udp', [m('', 8080, 80, 'udp')]],
    ['8080:80/TCP', [m('', 8080, 80)]],
    ['127.0.0.1:8080:80', [m('127.0.0.1', 8080, 80)]],
    ['0.0.0.0:8080:80', [m('', 8080, 80)]],
    ['127.0.0.1::80', [m('127.0.0.1', 0, 80)]],
    ['[127.0.0.1]:8080:80', [m('127.0.0.1', 8080, 80)]],
    ['8000-8002:80-82', [m('', 8000, 80), m('', 8001, 81), m('', 8002, 82)]],
    ['80-81/udp', [m('', 0, 80, 'udp'), m('', 0, 81, 'udp')]],
    ['8000-8010:80', [{ ...m('', 8000, 80), hostPortEnd: 8010 }]],
  ] as const)('parses %s', (spec, want) => {
    expect(parsePortSpecs([spec])).toEqual(want);
  });

  it.each([
    ['', 'no port specified: <empty>'],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['abc', 'invalid containerPort: abc'],
    ['8080:abc', 'invalid containerPort: abc'],
    ['x:80', 'invalid hostPort: x'],
    ['0', 'invalid containerPort: 0'],
    ['70000:80', 'invalid hostPort: 70000'],
    ['8080:80/sctpx', 'invalid proto: sctpx'],
    ['1.2.3:8080:80', 'invalid ip address: 1.2.3'],
    ['8000-8001:80-82', 'invalid ranges specified for container and host ports: 8000-8001:80-82'],
    ['82-80', 'invalid range specified for container port: 82-80 (in 82-80)'],
    ['a:b:c:d', 'invalid port format for --publish: a:b:c:d'],
  ])('refuses %j', (spec, msg) => {
    expect(() => parsePortSpecs([spec])).toThrow(msg);
  });

  it('refuses the same host port twice', () => {
    expect(() => parsePortSpecs(['8080:80', '8080:81'])).toThrow('duplicate host port 0.0.0.0:8080/tcp in 8080:81');
    expect(() => parsePortSpecs(['127.0.0.1:8080:80', '8080:81'])).toThrow(/duplicate host port/);
    expect(parsePortSpecs(['8080:80', '8080:80/udp'])).toHaveLength(2);
  });
});

describe('docker -p grammar, more forms', () => {
  const r = (hostIp: string, hostPort: number, hostPortEnd: number, containerPort: number, proto: 'tcp' | 'udp' = 'tcp') => ({ hostIp, hostPort, hostPortEnd, containerPort, proto });
  it.each([
    ['18100-18110:80', [r('', 18100, 18110, 80)]],
    ['127.0.0.1:18100-18110:80/udp', [r('127.0.0.1', 18100, 18110, 80, 'udp')]],
    ['8080-8080:80', [m('', 8080, 80)]],
    ['8000-8001:80-81/udp', [m('', 8000, 80, 'udp'), m('', 8001, 81, 'udp')]],
    ['127.0.0.1::80-81', [m('127.0.0.1', 0, 80), m('127.0.0.1', 0, 81)]],
    ['0:80', [m('', 0, 80)]],
    ['65535:65535', [m('', 65535, 65535)]],
    ['80/UDP', [m('', 0, 80, 'udp')]],
    ['8080:80/', [m('', 8080, 80)]],
  ] as const)('parses %s', (spec, want) => {
    expect(parsePortSpec(spec)).toEqual(want);
  });

  it.each([
    ['[::1]:8080:80', 'ipv6 host address ::1 is not supported (in [::1]:8080:80): minidock networks are ipv4 only'],
    ['[::]:8080:80', 'ipv6 host address :: is not supported'],
    ['[fe80::1]::80', 'ipv6 host address fe80::1 is not supported'],
    ['::1:8080:80', 'ipv6 host address ::1 is not supported (in ::1:8080:80)'],
    ['[::1]:80', 'invalid port format for --publish: [::1]:80'],
    ['[nope]:8080:80', 'invalid ip address: nope (in [nope]:8080:80)'],
    ['80/sctp', 'sctp is not supported (in 80/sctp): minidock publishes tcp and udp ports only'],
    ['127.0.0.1:8080:80/sctp', 'sctp is not supported (in 127.0.0.1:8080:80/sctp)'],
    ['8080:80-81', 'invalid ranges specified for container and host ports: 8080:80-81'],
    ['8010-8000:80', 'invalid range specified for host port: 8010-8000 (in 8010-8000:80)'],
    ['0-10:80', 'invalid hostPort: 0-10 (in 0-10:80)'],
    ['8080:65536', 'invalid containerPort: 65536 (in 8080:65536)'],
    ['8080:80-', 'invalid containerPort: 80- (in 8080:80-)'],
    ['-1', 'invalid containerPort: -1'],
    ['1.2.3.4.5:80:80', 'invalid ip address: 1.2.3.4.5'],
  ])('refuses %j', (spec, msg) => {
    expect(() => parsePortSpec(spec)).toThrow(msg);
  });

  it('lets host ranges share ports: each takes the first free one when bound', () => {
    expect(parsePortSpecs(['18100-18110:80', '18100-18110:81'])).toHaveLength(2);
  });
});

describe('API PortBindings <-> PortMapping', () => {
  it('sends a host range as a range, like docker', () => {
    expect(mappingsToBindings(parsePortSpecs(['18100-18110:80', '127.0.0.1:8080:80', '53/udp']))).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: '18100-18110' }, { HostIp: '127.0.0.1', HostPort: '8080' }],
      '53/udp': [{ HostIp: '', HostPort: '' }],
    });
  });

  it('round-trips every form through the API shape', () => {
    const specs = ['80', '8080:81', '127.0.0.1::82/udp', '18100-18110:83', '9000-9001:90-91'];
    const mappings = parsePortSpecs(specs);
    expect(bindingsToMappings(mappingsToBindings(mappings))).toEqual(mappings);
  });

  it.each([
    ['80/tcp', {}, { hostIp: '', hostPort: 0, containerPort: 80, proto: 'tcp' }],
    ['80/tcp', { HostIp: '0.0.0.0', HostPort: '0' }, { hostIp: '', hostPort: 0, containerPort: 80, proto: 'tcp' }],
    ['80', { HostPort: '18100-18110' }, { hostIp: '', hostPort: 18100, hostPortEnd: 18110, containerPort: 80, proto: 'tcp' }],
    ['53/udp', { HostIp: '127.0.0.1', HostPort: '5353' }, { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, proto: 'udp' }],
    ['80/tcp', { HostPort: '8080-8080' }, { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' }],
  ] as const)('decodes %s %j', (key, b, want) => {
    expect(bindingToMapping(key, b)).toEqual(want);
  });

  it.each([
    ['80/tcp', { HostPort: 'abc' }, 'invalid port specification: "abc"'],
    ['80/tcp', { HostPort: '18110-18100' }, 'invalid port specification: "18110-18100"'],
    ['80/tcp', { HostPort: '70000' }, 'invalid port specification: "70000"'],
    ['80/tcp', { HostIp: '::1', HostPort: '8080' }, 'ipv6 host address ::1 is not supported (in PortBindings["80/tcp"])'],
    ['80/tcp', { HostIp: 'x', HostPort: '8080' }, 'invalid ip address: x'],
    ['80/sctp', {}, 'sctp is not supported (in 80/sctp)'],
    ['0/tcp', {}, 'invalid port specification: "0/tcp"'],
  ])('refuses %s %j', (key, b, msg) => {
    expect(() => bindingToMapping(key, b)).toThrow(msg);
  });

  it('publishes a null binding list on any port and an empty one on none', () => {
    expect(bindingsToMappings({ '80/tcp': null, '81/tcp': [] })).toEqual([{ hostIp: '', hostPort: 0, containerPort: 80, proto: 'tcp' }]);
    expect(() => bindingsToMappings({ 'x/tcp': [] })).toThrow('invalid port specification: "x/tcp"');
  });

  it('formats HostPort', () => {
    expect(hostPortText({ hostIp: '', hostPort: 0, containerPort: 1, proto: 'tcp' })).toBe('');
    expect(hostPortText({ hostIp: '', hostPort: 5, hostPortEnd: 9, containerPort: 1, proto: 'tcp' })).toBe('5-9');
  });

  it('reads port keys and --expose', () => {
    expect(parsePortKey('80')).toEqual({ port: 80, proto: 'tcp' });
    expect(parsePortKey('53/UDP')).toEqual({ port: 53, proto: 'udp' });
    expect(() => parsePortKey('80-81/tcp')).toThrow('invalid port specification: "80-81/tcp"');
    expect(parseExposeSpec('7000-7002/udp')).toEqual(['7000/udp', '7001/udp', '7002/udp']);
    expect(parseExposeSpec('80')).toEqual(['80/tcp']);
    expect(() => parseExposeSpec('80-x')).toThrow('invalid range format for --expose: 80-x');
    expect(() => parseExposeSpec('80/sctp')).toThrow('sctp is not supported');
  });
});
