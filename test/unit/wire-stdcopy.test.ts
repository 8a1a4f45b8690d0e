import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, STDCOPY_HEADER } from '../../src/wire/stdcopy.js';
import { ATTACH_CLOSE_STDIN, ATTACH_RESIZE, resizeFrame } from '../../src/runtime/attach.js';

const frames = [
  [1, Buffer.from('hello')],
  [2, Buffer.from('err\n')],
  [0, Buffer.alloc(0)],
  [ATTACH_RESIZE, Buffer.from([0, 24, 0, 80])],
  [1, Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff))],
  [ATTACH_CLOSE_STDIN, Buffer.alloc(0)],
] as const;
const bytes = Buffer.concat(frames.map(([s, p]) => encodeFrame(s, p)));
const show = (list: { stream: number; payload: Buffer }[]) => list.map((f) => [f.stream, f.payload.toString('hex')]);
const want = frames.map(([s, p]) => [s, p.toString('hex')]);

describe('stdcopy codec', () => {
  it('encodes docker\'s 8-byte header', () => {
    expect([...encodeFrame(2, Buffer.from('ab'))]).toEqual([2, 0, 0, 0, 0, 0, 0, 2, 0x61, 0x62]);
    expect(encodeFrame(1, Buffer.alloc(70000)).readUInt32BE(4)).toBe(70000);
    expect(() => encodeFrame(256, Buffer.alloc(0))).toThrow(/stream out of range: 256/);
  });

  it('decodes everything in one chunk', () => {
    const d = new FrameDecoder();
    expect(show(d.push(bytes))).toEqual(want);
    expect(d.pending).toBe(0);
  });

  it('decodes the same frames split at every byte boundary', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(show(got), `cut at ${cut}`).toEqual(want);
      expect(d.pending).toBe(0);
    }
  });

  it('decodes byte by byte, and from plain Uint8Arrays', () => {
    const d = new FrameDecoder();
    const got = [];
    for (let i = 0; i < bytes.length; i++) got.push(...d.push(new Uint8Array(bytes.subarray(i, i + 1))));
    expect(show(got)).toEqual(want);
  });

  it('holds back a truncated frame', () => {
    const d = new FrameDecoder();
    expect(d.push(bytes.subarray(0, STDCOPY_HEADER + 2))).toEqual([]);
    expect(d.pending).toBe(STDCOPY_HEADER + 2);
  });
});

describe('attach-socket extensions (runtime)', () => {
  it('encodes resize as rows, cols u16 BE on stream 3', () => {
    expect([...resizeFrame(24, 80)]).toEqual([3, 0, 0, 0, 0, 0, 0, 4, 0, 24, 0, 80]);
    expect(show(new FrameDecoder().push(resizeFrame(300, 1000)))).toEqual([[3, '012c03e8']]);
  });
});
