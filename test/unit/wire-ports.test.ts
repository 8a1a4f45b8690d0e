import { describe, expect, it } from 'vitest';
import { parsePortSpecs } from '../../src/wire/ports.js';

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
