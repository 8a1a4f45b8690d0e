import { describe, expect, it } from 'vitest';
import { EventLog, matches, parseEventFilters, type EngineEvent } from '../../src/engine/events.js';

function clock(start = 1_700_000_000_000_000_000n) {
  let t = start;
  return { now: () => t, tick: (s: number) => (t += BigInt(s) * 1_000_000_000n) };
}

describe('events', () => {
  it('emits dockerd-shaped events with the deprecated fields for containers', () => {
    const c = clock();
    const log = new EventLog(256, c.now);
    const ev = log.emit('container', 'die', 'abc123', { name: 'web', image: 'nginx:latest', exitCode: '0' });
    expect(ev).toEqual({
      Type: 'container', Action: 'die', Actor: { ID: 'abc123', Attributes: { name: 'web', image: 'nginx:latest', exitCode: '0' } },
      scope: 'local', time: 1_700_000_000, timeNano: 1_700_000_000e9, status: 'die', id: 'abc123', from: 'nginx:latest',
    });
    expect(log.emit('network', 'create', 'n1', { name: 'net', type: 'bridge' })).not.toHaveProperty('status');
  });

  it('parses both filter forms and refuses unknown keys and types', () => {
    expect(parseEventFilters('{"type":{"container":true},"event":["die","start"]}')).toEqual({ type: ['container'], event: ['die', 'start'] });
    expect(() => parseEventFilters('{"colour":["red"]}')).toThrow("invalid filter 'colour'");
    expect(() => parseEventFilters('{"type":["spaceship"]}')).toThrow("invalid filter 'type=spaceship'");
    expect(() => parseEventFilters('not json')).toThrow('invalid filter');
  });

  it('filters as dockerd: keys ANDed, values ORed, names and id prefixes, labels, image tags', () => {
    const ev: EngineEvent = {
      Type: 'container', Action: 'exec_start: sh -c true', Actor: { ID: 'abcdef0123', Attributes: { name: 'web', image: 'localhost:5000/nginx:latest', tier: 'front' } },
      scope: 'local', time: 0, timeNano: 0,
    };
    expect(matches(ev, { container: ['web'] })).toBe(true);
    expect(matches(ev, { container: ['abcd'] })).toBe(true);
    expect(matches(ev, { container: ['db'] })).toBe(false);
    expect(matches(ev, { event: ['exec_start'] })).toBe(true);
    expect(matches(ev, { event: ['die', 'exec_start'], type: ['container'] })).toBe(true);
    expect(matches(ev, { event: ['die'], type: ['container'] })).toBe(false);
    expect(matches(ev, { label: ['tier'] })).toBe(true);
    expect(matches(ev, { label: ['tier=front'] })).toBe(true);
    expect(matches(ev, { label: ['tier=back'] })).toBe(false);
    expect(matches(ev, { image: ['localhost:5000/nginx'] })).toBe(true);
    expect(matches(ev, { image: ['localhost:5000/nginx:1'] })).toBe(false);
    expect(matches(ev, { network: ['web'] })).toBe(false);
  });

  it('replays the bounded past from since, then streams live events until until', async () => {
    const c = clock();
    const log = new EventLog(3, c.now);
    const t0 = c.now();
    for (const a of ['create', 'start', 'die', 'destroy']) { log.emit('container', a, 'x'); c.tick(1); }
    // the ring keeps 3: 'create' fell out
    expect(log.past({ since: t0 }).map((e) => e.Action)).toEqual(['start', 'die', 'destroy']);
    expect(log.past({ since: t0 + 2_000_000_000n, until: t0 + 2_000_000_000n }).map((e) => e.Action)).toEqual(['die']);
    const seen: string[] = [];
    let ended = false;
    const stop = log.subscribe({ since: t0 + 3_000_000_000n, filters: { event: ['start', 'destroy'] } }, (e) => seen.push(e.Action), () => { ended = true; });
    log.emit('container', 'start', 'y');
    log.emit('container', 'kill', 'y');
    stop();
    log.emit('container', 'start', 'z');
    expect(seen).toEqual(['destroy', 'start']);
    expect(ended).toBe(false);
    // an until already past: replay and end at once
    let endedNow = false;
    log.subscribe({ since: t0, until: t0 }, () => {}, () => { endedNow = true; });
    expect(endedNow).toBe(true);
  });
});
