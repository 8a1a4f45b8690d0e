import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { hostPlatform, selectPlatform } from '../../src/image/platform.js';
import { chainIds, parseManifest, layerCompression } from '../../src/image/manifest.js';

const entries = [
  { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  { platform: { os: 'linux', architecture: 'amd64' } },
  { platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
  { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
  { platform: { os: 'windows', architecture: 'amd64' } },
  { platform: { os: 'unknown', architecture: 'unknown' } },
];

describe('platform selection', () => {
  it('maps node arch names to Go names', () => {
    expect(hostPlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(hostPlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(hostPlatform('arm', '6')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(hostPlatform('ia32')).toEqual({ os: 'linux', architecture: '386' });
  });
  it('never just takes the first entry', () => {
    expect(selectPlatform(entries, { os: 'linux', architecture: 'amd64' })).toBe(1);
    expect(selectPlatform([...entries].reverse(), { os: 'linux', architecture: 'amd64' })).toBe(4);
  });
  it('matches arm variants, best first, and arm64 without a variant', () => {
    expect(selectPlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(3);
    expect(selectPlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(2);
    expect(selectPlatform(entries.slice(3), { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(-1);
    expect(selectPlatform([{ platform: { os: 'linux', architecture: 'arm64' } }], hostPlatform('arm64'))).toBe(0);
    expect(selectPlatform(entries, { os: 'linux', architecture: 's390x' })).toBe(-1);
    expect(selectPlatform([{}], { os: 'linux', architecture: 'amd64' })).toBe(-1);
  });
});

describe('manifests', () => {
  it('computes chain ids like the OCI spec', () => {
    const a = 'sha256:' + '1'.repeat(64);
    const b = 'sha256:' + '2'.repeat(64);
    const [c0, c1] = chainIds([a, b]);
    expect(c0).toBe(a);
    // sha256("sha256:111... sha256:222...")
    expect(c1).toBe('sha256:' + createHash('sha256').update(`${a} ${b}`).digest('hex'));
  });
  it('tells indexes from manifests and rejects garbage', () => {
    const d = { mediaType: 'x', digest: 'sha256:' + 'a'.repeat(64), size: 1 };
    expect(parseManifest('r', 'application/vnd.oci.image.index.v1+json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [d] }))).kind).toBe('index');
    expect(parseManifest('r', '', Buffer.from(JSON.stringify({ schemaVersion: 2, config: d, layers: [d] }))).kind).toBe('manifest');
    expect(() => parseManifest('r', '', Buffer.from('{"schemaVersion":1}'))).toThrow(/schema version 1 for r/);
    expect(() => parseManifest('r', '', Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:zz', size: 1 }, layers: [] })))).toThrow(/malformed descriptor/);
    expect(() => parseManifest('r', '', Buffer.from('nope'))).toThrow(/not valid json/);
  });
  it('knows layer compressions', () => {
    expect(layerCompression('r', 'application/vnd.docker.image.rootfs.diff.tar.gzip')).toBe('gzip');
    expect(layerCompression('r', 'application/vnd.oci.image.layer.v1.tar+gzip')).toBe('gzip');
    expect(layerCompression('r', 'application/vnd.oci.image.layer.v1.tar')).toBe('none');
    expect(() => layerCompression('r', 'application/vnd.oci.image.layer.v1.tar+zstd')).toThrow(/unsupported layer media type/);
    expect(() => layerCompression('r', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip')).toThrow(/foreign/);
  });
});
