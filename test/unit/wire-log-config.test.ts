import { describe, expect, it } from 'vitest';
import { logPolicy, parseLogSize } from '../../src/wire/log-config.js';

describe('log config (--log-driver, --log-opt)', () => {
  it('bounds the default and the file drivers, docker sizes (decimal for json-file, binary for local)', () => {
    expect(logPolicy(undefined)).toEqual({ driver: 'json-file', maxSize: 10_000_000, maxFiles: 3 });
    expect(logPolicy({ Type: 'local', Config: {} })).toEqual({ driver: 'local', maxSize: 20 * 1024 * 1024, maxFiles: 5 });
    expect(logPolicy({ Type: 'json-file', Config: { 'max-size': '512k', 'max-file': '4' } })).toEqual({ driver: 'json-file', maxSize: 512_000, maxFiles: 4 });
    expect(logPolicy({ Type: 'local', Config: { 'max-size': '1m' } })).toEqual({ driver: 'local', maxSize: 1024 * 1024, maxFiles: 5 });
    // docker's json-file keeps one file when only a size is given
    expect(logPolicy({ Type: '', Config: { 'max-size': '1m' } }).maxFiles).toBe(1);
    expect(logPolicy({ Type: 'none' })).toEqual({ driver: 'none', maxSize: 0, maxFiles: 1 });
    expect(parseLogSize('1.5GB', false)).toBe(1_500_000_000);
    expect(parseLogSize('10MiB', true)).toBe(10 * 1024 * 1024);
  });

  it('refuses what it does not do, naming it', () => {
    const bad: [unknown, RegExp][] = [
      [{ Type: 'syslog' }, /syslog logging driver/],
      [{ Type: 'json-file', Config: { 'max-size': 'lots' } }, /invalid size: 'lots'/],
      [{ Type: 'json-file', Config: { 'max-size': '0' } }, /max-size must be a positive number/],
      [{ Type: 'json-file', Config: { 'max-file': '0' } }, /max-file cannot be less than 1/],
      [{ Type: 'json-file', Config: { 'max-file': 'x' } }, /invalid value for max-file/],
      [{ Type: 'json-file', Config: { compress: 'true' } }, /compress=true/],
      [{ Type: 'json-file', Config: { labels: 'a' } }, /log-opt labels/],
      [{ Type: 'json-file', Config: { bogus: '1' } }, /unknown log opt 'bogus' for json-file log driver/],
      [{ Type: 'none', Config: { 'max-size': '1m' } }, /unknown log opt 'max-size' for none log driver/],
    ];
    for (const [cfg, re] of bad) expect(() => logPolicy(cfg as never), JSON.stringify(cfg)).toThrow(re);
  });
});
