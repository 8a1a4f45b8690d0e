import { describe, expect, it } from 'vitest';
import { newId, randomName, normaliseName } from '../../src/engine/names.js';
import { findRecord } from '../../src/engine/store.js';
import { assertTransition, canTransition } from '../../src/engine/record.js';
import { portMappings, portsMap } from '../../src/engine/ports.js';
import { networkRequests, parseSignal, validateCreate } from '../../src/engine/create.js';
import { resolveCommand } from '../../src/engine/process-spec.js';
import { hostsFile } from '../../src/engine/etc-files.js';

describe('names and ids', () => {
  it('makes 64-hex ids and adjective_surname names', () => {
    expect(newId()).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 0; i < 50; i++) expect(randomName()).toMatch(/^[a-z]+_[a-z]+$/);
    expect(randomName(1)).toMatch(/^[a-z]+_[a-z]+\d$/);
  });
  it('validates names', () => {
    expect(normaliseName('web-1')).toBe('/web-1');
    expect(() => normaliseName('a')).toThrow(/invalid container name \(a\)/);
    expect(() => normaliseName('bad name')).toThrow(/bad name/);
  });
});

describe('lookup', () => {
  const recs = [{ Id: 'abc123' + '0'.repeat(58), Name: '/web' }, { Id: 'abd456' + '0'.repeat(58), Name: '/abc' }];
  it('prefers full id, then name, then unique prefix', () => {
    expect(findRecord(recs, recs[0]!.Id)).toBe(recs[0]);
    expect(findRecord(recs, 'abc')).toBe(recs[1]); // a name beats an id prefix, like docker
    expect(findRecord(recs, '/web')).toBe(recs[0]);
    expect(findRecord(recs, 'abc1')).toBe(recs[0]);
  });
  it('refuses ambiguous prefixes and unknown refs', () => {
    expect(() => findRecord(recs, 'ab')).toThrow(/multiple IDs found with provided prefix: ab/);
    expect(() => findRecord(recs, 'zzz')).toThrow(/^No such container: zzz$/);
  });
});

describe('state transitions', () => {
  const rec = (Status: 'created' | 'running' | 'exited' | 'removing') => ({ Id: 'x'.repeat(64), Name: '/c', State: { Status } as never });
  it('allows the legal ones', () => {
    expect(canTransition('created', 'running')).toBe(true);
    expect(canTransition('exited', 'running')).toBe(true);
    expect(canTransition('running', 'exited')).toBe(true);
    expect(canTransition('created', 'exited')).toBe(false);
  });
  it('names docker errors for illegal ones', () => {
    expect(() => assertTransition(rec('running'), 'removing')).toThrow('cannot remove container "/c": container is running: stop the container before removing or force remove');
    expect(() => assertTransition(rec('removing'), 'running')).toThrow(/already in progress/);
    expect(() => assertTransition(rec('created'), 'exited')).toThrow(expect.objectContaining({ status: 409 }));
  });
});

describe('ports', () => {
  it('maps bindings and -P', () => {
    expect(portMappings({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] }, { '80/tcp': {}, '53/udp': {} }, true)).toEqual([
      { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' },
      { hostIp: '', hostPort: 0, containerPort: 53, proto: 'udp' },
    ]);
    expect(() => portMappings({ 'x/tcp': [] }, {}, false)).toThrow('x/tcp');
  });
  it('builds NetworkSettings.Ports', () => {
    expect(portsMap({ '80/tcp': {}, '443/tcp': {} }, [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' }])).toEqual({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null,
    });
  });
});

describe('create rules', () => {
  it('resolves Entrypoint/Cmd like docker', () => {
    const img = { Entrypoint: ['/ep'], Cmd: ['default'] };
    const args = (user: { entrypoint?: string[]; cmd?: string[] }, image: { Entrypoint?: string[]; Cmd?: string[] }) => resolveCommand(user, image).args;
    expect(args({}, img)).toEqual(['/ep', 'default']);
    expect(args({ cmd: ['x'] }, img)).toEqual(['/ep', 'x']);
    expect(args({ entrypoint: ['sh'] }, img)).toEqual(['sh']);
    // moby's merge: an empty (not absent) Entrypoint means none, and an empty Cmd takes the image's
    expect(args({ entrypoint: [] }, img)).toEqual(['default']);
    expect(() => args({ entrypoint: [''] }, img)).toThrow('no command specified');
  });
  it('validates bodies', () => {
    expect(() => validateCreate({ Image: '' })).toThrow(/Image is required/);
    expect(() => validateCreate({ Image: 'b', Env: ['NOEQ'] })).toThrow(/NOEQ/);
    expect(() => validateCreate({ Image: 'b', HostConfig: { UsernsMode: 'weird' } })).toThrow(/weird/);
  });
  it('refuses --ip on builtin networks', () => {
    expect(networkRequests({ Image: 'b', HostConfig: { NetworkMode: 'n1' }, NetworkingConfig: { EndpointsConfig: { n1: { IPAMConfig: { IPv4Address: '10.0.0.9' }, Aliases: ['a'] } } } }))
      .toEqual({ n1: { ip: '10.0.0.9', aliases: ['a'] } });
    expect(() => networkRequests({ Image: 'b', NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: '1.2.3.4' } } } } })).toThrow(/user defined/);
  });
  it('parses signals', () => {
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('kill')).toBe(9);
    expect(parseSignal('10')).toBe(10);
    expect(parseSignal(undefined)).toBe(9);
    expect(() => parseSignal('SIGNOPE')).toThrow(/SIGNOPE/);
  });
  it('writes hosts with the container address', () => {
    expect(hostsFile('abc', ['172.17.0.2'])).toMatch(/^127\.0\.0\.1\tlocalhost\n[\s\S]*172\.17\.0\.2\tabc\n$/);
  });
});
