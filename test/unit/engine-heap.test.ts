import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS, missingHeapFlags, tuneHeap } from '../../src/daemon/heap.js';

describe('engine heap flags', () => {
  it('asks for --optimize-for-size unless node was started with it', () => {
    expect(HEAP_FLAGS).toContain('--optimize-for-size');
    expect(missingHeapFlags([])).toEqual(['--optimize-for-size']);
    expect(missingHeapFlags(['--inspect', '--optimize-for-size'])).toEqual([]);
  });

  it('sets nothing when every flag came on the command line', () => {
    expect(tuneHeap([...HEAP_FLAGS])).toEqual([]);
  });

  it('sets the missing flags in the running V8', () => {
    expect(tuneHeap(['--inspect'])).toEqual(['--optimize-for-size']);
  });
});
