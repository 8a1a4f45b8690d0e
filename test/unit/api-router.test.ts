import { describe, expect, it } from 'vitest';
import { Router, stripVersion } from '../../src/api/router.js';
import { encodeFrame, FrameDecoder } from '../../src/wire/stdcopy.js';

describe('router', () => {
  const r = new Router<string>()
    .add('GET', '/containers/json', 'list')
    .add('GET', '/containers/{id}/json', 'inspect')
    .add('POST', '/containers/{id}/start', 'start')
    .add('GET', '/images/{name*}/json', 'image')
    .add('DELETE', '/images/{name*}', 'rmi');
  it('matches params and version prefixes', () => {
    expect(r.match('GET', '/containers/json')).toEqual({ handler: 'list', params: {} });
    expect(r.match('GET', '/v1.43/containers/abc/json')).toEqual({ handler: 'inspect', params: { id: 'abc' } });
    expect(r.match('GET', '/images/localhost:5000/library/busybox:latest/json').params).toEqual({ name: 'localhost:5000/library/busybox:latest' });
    expect(r.match('DELETE', '/images/a%2Fb').params).toEqual({ name: 'a/b' });
    expect(stripVersion('/v1.41/_ping')).toBe('/_ping');
  });
  it('answers 404 and 405', () => {
    expect(() => r.match('GET', '/nope')).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => r.match('DELETE', '/containers/abc/start')).toThrow(expect.objectContaining({ status: 405 }));
  });
});

describe('stdcopy frames', () => {
  it('round-trips across chunk boundaries', () => {
    const bytes = Buffer.concat([encodeFrame(1, Buffer.from('hello')), encodeFrame(2, Buffer.from('err'))]);
    const d = new FrameDecoder();
    const out = [...d.push(bytes.subarray(0, 5)), ...d.push(bytes.subarray(5, 15)), ...d.push(bytes.subarray(15))];
    expect(out.map((f) => [f.stream, f.payload.toString()])).toEqual([[1, 'hello'], [2, 'err']]);
  });
});
