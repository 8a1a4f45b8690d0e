import { describe, expect, it } from 'vitest';
import { nextBackoff, shouldRestart, startsWithEngine } from '../../src/engine/restart-policy.js';
import { checkRestartPolicy, parseRestartFlag } from '../../src/wire/restart.js';

describe('restart policies', () => {
  it('parses the docker CLI forms', () => {
    expect(parseRestartFlag('no')).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(parseRestartFlag('always')).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(parseRestartFlag('unless-stopped')).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
    expect(parseRestartFlag('on-failure')).toEqual({ Name: 'on-failure', MaximumRetryCount: 0 });
    expect(parseRestartFlag('on-failure:3')).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
  });

  it.each([
    ['sometimes', "invalid restart policy 'sometimes'"],
    ['always:3', "maximum retry count can only be used with 'on-failure'"],
    ['on-failure:-1', 'cannot be negative'],
    ['on-failure:x', 'must be an integer'],
    ['on-failure:1:2', 'invalid restart policy format'],
  ])('refuses %s', (flag, msg) => {
    expect(() => parseRestartFlag(flag)).toThrow(msg);
  });

  it('reads the API form, empty meaning no', () => {
    expect(checkRestartPolicy({ Name: '', MaximumRetryCount: 0 })).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(checkRestartPolicy(null)).toEqual({ Name: 'no', MaximumRetryCount: 0 });
  });

  it('decides restarts as dockerd', () => {
    const p = (s: string) => parseRestartFlag(s);
    const exit = (exitCode: number, restartCount = 0, manuallyStopped = false) => ({ exitCode, restartCount, manuallyStopped });
    expect(shouldRestart(p('no'), exit(1))).toBe(false);
    expect(shouldRestart(p('always'), exit(0))).toBe(true);
    expect(shouldRestart(p('always'), exit(0, 0, true))).toBe(false);
    expect(shouldRestart(p('unless-stopped'), exit(3))).toBe(true);
    expect(shouldRestart(p('on-failure'), exit(0))).toBe(false);
    expect(shouldRestart(p('on-failure'), exit(1, 99))).toBe(true);
    expect(shouldRestart(p('on-failure:2'), exit(1, 1))).toBe(true);
    expect(shouldRestart(p('on-failure:2'), exit(1, 2))).toBe(false);
    expect(startsWithEngine(p('always'), true)).toBe(true);
    expect(startsWithEngine(p('unless-stopped'), true)).toBe(false);
    expect(startsWithEngine(p('unless-stopped'), false)).toBe(true);
    expect(startsWithEngine(p('on-failure'), false)).toBe(false);
  });

  it('doubles the delay from 100 ms, caps it at a minute and resets after 10 s of running', () => {
    let d = 0;
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) seen.push((d = nextBackoff(d, 50)));
    expect(seen.slice(0, 5)).toEqual([100, 200, 400, 800, 1600]);
    expect(seen.at(-1)).toBe(60_000);
    expect(nextBackoff(60_000, 10_000)).toBe(100);
  });
});
