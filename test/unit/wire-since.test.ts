import { describe, expect, it } from 'vitest';
import { sinceParam } from '../../src/wire/since.js';

const now = Date.UTC(2023, 10, 14, 22, 13, 20, 400); // 1700000000.4

describe('logs --since (docker timetypes.GetTimestamp)', () => {
  it.each([
    ['42m', String(1_700_000_000 - 42 * 60)],
    ['1h30m', String(1_700_000_000 - 5400)],
    ['1.5s', '1699999998'],
    ['0', '0'],
    ['1700000000', '1700000000'],
    ['1700000000.123456789', '1700000000.123456789'],
    ['2023-11-14T22:13:20Z', '1700000000.000000000'],
    ['2023-11-14T22:13:20.5Z', '1700000000.500000000'],
    ['2023-11-14T23:13:20.000000001+01:00', '1700000000.000000001'],
    ['2023-11-14T21:13:20-01:00', '1700000000.000000000'],
  ])('%s', (value, want) => {
    expect(sinceParam(value, now)).toBe(want);
  });

  it('reads a time without a zone as local time, like docker', () => {
    expect(sinceParam('2023-11-14T22:13:20', now)).toBe(`${new Date(2023, 10, 14, 22, 13, 20).getTime() / 1000}.000000000`);
    expect(sinceParam('2023-11-14', now)).toBe(`${new Date(2023, 10, 14).getTime() / 1000}.000000000`);
  });

  it.each(['yesterday', '10 minutes', '2023-13', '1.2.3', ''])('refuses %j', (value) => {
    expect(() => sinceParam(value, now)).toThrow(`failed to parse value as time or duration: "${value}"`);
  });
});
