import { describe, expect, it } from 'vitest';
import { filterContainers, parseContainerFilters } from '../../src/engine/container-filters.js';
import type { ContainerRecord } from '../../src/engine/record.js';

const rec = (id: string, name: string, over: { status?: string; exit?: number; labels?: Record<string, string>; image?: string; created?: string; nets?: string[]; mounts?: unknown[] }) => ({
  Id: id.padEnd(64, '0'), Name: `/${name}`, Created: over.created ?? '2026-01-01T00:00:00Z', Image: 'sha256:img', ImageRef: over.image ?? 'busybox',
  Config: { Labels: over.labels ?? {} }, Networks: Object.fromEntries((over.nets ?? ['bridge']).map((n) => [n, { aliases: [] }])), Endpoints: {}, Mounts: over.mounts ?? [],
  State: { Status: over.status ?? 'running', ExitCode: over.exit ?? 0 },
}) as unknown as ContainerRecord;

const all = [
  rec('aa', 'web', { labels: { 'com.docker.compose.project': 'a', tier: 'front' }, created: '2026-01-01T00:00:01Z', nets: ['a_default'], mounts: [{ type: 'bind', source: '/srv/www', target: '/usr/share/www' }] }),
  rec('bb', 'db', { labels: { 'com.docker.compose.project': 'b' }, status: 'exited', exit: 3, image: 'postgres:15', created: '2026-01-01T00:00:02Z', mounts: [{ type: 'volume', name: 'pgdata', target: '/var/lib/postgresql/data' }] }),
  rec('cc', 'web-2', { labels: { 'com.docker.compose.project': 'a' }, created: '2026-01-01T00:00:03Z' }),
];
const ids = (f: string) => filterContainers(all, parseContainerFilters(f), (r) => all.find((x) => x.Name === `/${r}` || x.Id.startsWith(r))!, () => []).map((r) => r.Name);

describe('container list filters (dockerd)', () => {
  it.each([
    ['{"label":["com.docker.compose.project=a"]}', ['/web', '/web-2']],
    ['{"label":["com.docker.compose.project=a","tier=front"]}', ['/web']],
    ['{"label":{"tier":true}}', ['/web']],
    ['{"name":["^/web$"]}', ['/web']],
    ['{"name":["web"]}', ['/web', '/web-2']],
    ['{"id":["bb"]}', ['/db']],
    ['{"status":["exited"]}', ['/db']],
    ['{"status":["running","exited"]}', ['/web', '/db', '/web-2']],
    ['{"exited":["3"]}', ['/db']],
    ['{"ancestor":["postgres:15"]}', ['/db']],
    ['{"ancestor":["busybox"]}', ['/web', '/web-2']],
    ['{"network":["a_default"]}', ['/web']],
    ['{"before":["web-2"]}', ['/web', '/db']],
    ['{"since":["web"]}', ['/db', '/web-2']],
    ['{"volume":["pgdata"]}', ['/db']],
    ['{"volume":["/srv/www"]}', ['/web']],
    ['{"volume":["/usr/share/www","/var/lib/postgresql/data"]}', ['/web', '/db']],
    ['{"volume":["/srv"]}', []],
    ['{"is-task":["true"]}', []],
    ['{"is-task":["false"]}', ['/web', '/db', '/web-2']],
  ])('%s', (f, want) => {
    expect(ids(f)).toEqual(want);
  });
  it('refuses what it does not know, naming it', () => {
    expect(() => parseContainerFilters('{"pid":["1"]}')).toThrow("invalid filter 'pid'");
    expect(() => parseContainerFilters('{"health":["sick"]}')).toThrow('Unrecognised filter value for health: sick');
    expect(() => parseContainerFilters('{"status":["sleeping"]}')).toThrow("invalid filter 'status=sleeping'");
    expect(() => parseContainerFilters('nope')).toThrow('invalid filter');
    expect(() => parseContainerFilters('{"is-task":["yes"]}')).toThrow("invalid filter 'is-task=yes'");
    expect(() => parseContainerFilters('{"x":["1"]}')).toThrow("invalid filter 'x'");
  });
});

describe('network list filters (dockerd)', () => {
  it('filters by name, id, label, driver, type and dangling; refuses unknown keys', async () => {
    const { filterNetworks } = await import('../../src/engine/network-filters.js');
    const n = (name: string, id: string, builtin: boolean, labels: Record<string, string> = {}) => ({ name, id: id.padEnd(64, '0'), builtin, labels, driver: builtin && name !== 'bridge' ? (name === 'none' ? 'null' : 'host') : 'bridge' }) as never;
    const list = [n('bridge', 'b1', true), n('host', 'h1', true), n('front', 'f1', false, { env: 'prod' }), n('back', 'f2', false)];
    const names = (f: object) => filterNetworks(list, JSON.stringify(f), (x) => x === 'back').map((x: { name: string }) => x.name);
    expect(names({ name: ['ont'] })).toEqual(['front']);
    expect(names({ id: ['f'] })).toEqual(['front', 'back']);
    expect(names({ label: ['env=prod'] })).toEqual(['front']);
    expect(names({ type: ['custom'] })).toEqual(['front', 'back']);
    expect(names({ driver: ['host'] })).toEqual(['host']);
    expect(names({ dangling: ['true'] })).toEqual(['front']);
    expect(() => names({ colour: ['red'] })).toThrow("invalid filter 'colour'");
  });
});

describe('image list filters (dockerd)', () => {
  it('filters by reference pattern, label and dangling; refuses unknown keys', async () => {
    const { filterImages } = await import('../../src/engine/image-filters.js');
    const img = (id: string, tags: string[], labels: Record<string, string> = {}, created = '2026-01-01T00:00:00Z') => ({ id, repoTags: tags, repoDigests: [], created, size: 1, architecture: 'amd64', os: 'linux', config: { Labels: labels }, layers: [] }) as never;
    const list = [img('sha256:a', ['127.0.0.1:5000/nginx:latest']), img('sha256:b', ['127.0.0.1:5000/busybox:latest', 'mytools:v1'], { tier: 'x' }), img('sha256:c', [])];
    const ids = (f: object) => filterImages(list, JSON.stringify(f)).map((i: { id: string }) => i.id);
    expect(ids({ reference: ['127.0.0.1:5000/busybox'] })).toEqual(['sha256:b']);
    expect(ids({ reference: ['127.0.0.1:5000/busybox:latest'] })).toEqual(['sha256:b']);
    expect(ids({ reference: ['127.0.0.1:5000/*'] })).toEqual(['sha256:a', 'sha256:b']);
    expect(ids({ reference: ['mytools:*'] })).toEqual(['sha256:b']);
    expect(ids({ label: ['tier=x'] })).toEqual(['sha256:b']);
    expect(ids({ dangling: ['true'] })).toEqual(['sha256:c']);
    expect(() => ids({ colour: ['x'] })).toThrow("invalid filter 'colour'");
    // the matched image lists only the tags the reference matched, as dockerd's
    expect(filterImages(list, JSON.stringify({ reference: ['mytools'] })).map((i: { repoTags: string[] }) => i.repoTags)).toEqual([['mytools:v1']]);
    expect(filterImages(list, null)[1].repoTags).toEqual(['127.0.0.1:5000/busybox:latest', 'mytools:v1']);
  });
});
