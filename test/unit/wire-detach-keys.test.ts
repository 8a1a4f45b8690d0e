import { describe, expect, it } from 'vitest';
import { DetachMatcher, parseDetachKeys } from '../../src/wire/detach-keys.js';

describe('detach keys', () => {
  it('parses docker syntax', () => {
    expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual([16, 17]);
    expect(parseDetachKeys('ctrl-@,ctrl-[,ctrl-_,a')).toEqual([0, 27, 31, 97]);
    expect(() => parseDetachKeys('ctrl-1')).toThrow(/ctrl-1/);
    expect(() => parseDetachKeys('abc')).toThrow(/abc/);
  });
  it('detects the sequence and forwards the rest', () => {
    const m = new DetachMatcher([16, 17]);
    expect(m.push(Buffer.from('ab'))).toEqual({ forward: Buffer.from('ab'), detach: false });
    expect(m.push(Buffer.from([0x10]))).toEqual({ forward: Buffer.alloc(0), detach: false });
    expect(m.push(Buffer.from([0x11, 0x41]))).toEqual({ forward: Buffer.alloc(0), detach: true });
  });
  it('releases a held prefix when the sequence breaks', () => {
    const m = new DetachMatcher([16, 17]);
    expect(m.push(Buffer.from([0x10, 0x61]))).toEqual({ forward: Buffer.from([0x10, 0x61]), detach: false });
    expect(m.push(Buffer.from([0x10, 0x10, 0x11]))).toEqual({ forward: Buffer.from([0x10]), detach: true });
  });
});
