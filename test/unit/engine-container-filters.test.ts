import { describe, expect, it } from 'vitest';
import { filterContainers, parseContainerFilters } from '../../src/engine/container-filters.js';
import type { ContainerRecord } from '../../src/engine/record.js';

const rec = (id: string, name: string, over: { status?: string; exit?: number; labels?: Record<string, string>; image?: string; created?: string; nets?: string[] }) => ({
  Id: id.padEnd(64, '0'), Name: `/${name}`, Created: over.created ?? '2026-01-01T00:00:00Z', Image: 'sha256:img', ImageRef: over.image ?? 'busybox',
  Config: { Labels: over.labels ?? {} }, Networks: Object.fromEntries((over.nets ?? ['bridge']).map((n) => [n, { aliases: [] }])), Endpoints: {},
  State: { Status: over.status ?? 'running', ExitCode: over.exit ?? 0 },
}) as unknown as ContainerRecord;

const all = [
  rec('aa', 'web', { labels: { 'com.docker.compose.project': 'a', tier: 'front' }, created: '2026-01-01T00:00:01Z', nets: ['a_default'] }),
  rec('bb', 'db', { labels: { 'com.docker.compose.project': 'b' }, status: 'exited', exit: 3, image: 'postgres:15', created: '2026-01-01T00:00:02Z' }),
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
  ])('%s', (f, want) => {
    expect(ids(f)).toEqual(want);
  });
  it('refuses what it does not know, naming it', () => {
    expect(() => parseContainerFilters('{"health":["healthy"]}')).toThrow("invalid filter 'health'");
    expect(() => parseContainerFilters('{"status":["sleeping"]}')).toThrow("invalid filter 'status=sleeping'");
    expect(() => parseContainerFilters('nope')).toThrow('invalid filter');
  });
});
