// Table tests against Docker's distribution/reference rules (ParseNormalizedNamed + ParseDockerRef).
import { describe, it, expect } from 'vitest';
import { parseReference, pullReference, formatReference, familiarString, registryHost } from '../../src/image/reference.js';

const D = 'sha256:' + 'a'.repeat(64);

describe('parseReference: valid references', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/nginx', 'docker.io/library/nginx'],
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx:latest'],
    ['user/repo', 'docker.io/user/repo'],
    ['user/repo/sub', 'docker.io/user/repo/sub'],
    ['localhost/x', 'localhost/x'],
    ['localhost:5000/x', 'localhost:5000/x'],
    ['localhost:5000/x:tag', 'localhost:5000/x:tag'],
    ['127.0.0.1:5000/a/b:v1.0', '127.0.0.1:5000/a/b:v1.0'],
    ['host.example.com/a/b:tag', 'host.example.com/a/b:tag'],
    ['host:5000/a/b:tag', 'host:5000/a/b:tag'],
    ['[::1]:5000/x', '[::1]:5000/x'],
    ['Registry.Example.com/x', 'Registry.Example.com/x'],
    ['UPPER/x', 'UPPER/x'], // an upper-case first component is a domain
    [`nginx@${D}`, `docker.io/library/nginx@${D}`],
    [`nginx:tag@${D}`, `docker.io/library/nginx:tag@${D}`],
    [`localhost:5000/x@${D}`, `localhost:5000/x@${D}`],
    ['x/a_b.c-d__e/f---g', 'docker.io/x/a_b.c-d__e/f---g'],
    ['x:' + 'T'.repeat(128), 'docker.io/library/x:' + 'T'.repeat(128)],
    ['localhost:5000', 'docker.io/library/localhost:5000'], // no slash: 5000 is the tag
  ];
  it.each(cases)('%s -> %s', (input, want) => {
    expect(formatReference(parseReference(input))).toBe(want);
  });
});

describe('parseReference: invalid references', () => {
  const cases: [string, RegExp][] = [
    ['', /at least one component/],
    ['Nginx', /must be lowercase/],
    ['user/Repo', /must be lowercase/],
    ['localhost:5000/Upper', /must be lowercase/],
    ['a'.repeat(64), /64-byte hexadecimal/],
    ['nginx:', /invalid tag/],
    ['nginx:-bad', /invalid tag/],
    ['nginx:' + 'a'.repeat(129), /invalid tag/],
    ['nginx@sha256:abc', /invalid digest|invalid sha256/],
    ['nginx@sha256:' + 'A'.repeat(64), /invalid sha256/],
    ['nginx@md5:' + 'a'.repeat(32), /unsupported digest algorithm/],
    ['nginx@', /invalid digest/],
    ['-nginx', /invalid repository name/],
    ['nginx-', /invalid repository name/],
    ['a//b', /invalid repository name/],
    ['a/b/', /invalid repository name/],
    ['a..b', /invalid repository name/],
    ['host:port/x', /invalid registry host/],
    ['-host.com/x', /invalid registry host/],
    ['has space', /invalid/],
    ['a_b.c/x', /invalid registry host/], // a '.' makes the first component a host
    ['docker.io/' + 'a'.repeat(250), /more than 255/],
  ];
  it.each(cases)('%j is rejected', (input, msg) => {
    let err: unknown;
    try { parseReference(input); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'InvalidReference', status: 400 });
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message.endsWith(input)).toBe(true);
  });
});

describe('pullReference and familiar forms', () => {
  it('adds latest only without a digest and drops the tag when both are given', () => {
    expect(pullReference('busybox')).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: undefined });
    expect(pullReference(`busybox:1@${D}`)).toEqual({ domain: 'docker.io', path: 'library/busybox', digest: D });
  });
  it.each([
    ['nginx', 'nginx'],
    ['docker.io/library/nginx:1', 'nginx:1'],
    ['user/repo:t', 'user/repo:t'],
    ['localhost:5000/busybox:latest', 'localhost:5000/busybox:latest'],
    [`nginx@${D}`, `nginx@${D}`],
  ])('familiar %s -> %s', (input, want) => {
    expect(familiarString(parseReference(input))).toBe(want);
  });
  it('maps docker.io to its API host', () => {
    expect(registryHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryHost('localhost:5000')).toBe('localhost:5000');
  });
});
