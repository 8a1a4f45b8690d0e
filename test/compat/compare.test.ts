import { describe, expect, it } from 'vitest';
import { renderTable, verdictOf } from './compare.js';
import { firstEngineError } from './runner.js';
import type { IntendedDifference, Scenario, ScenarioResult } from './types.js';

const s: Scenario = { id: 'x', client: 'docker-cli', title: 't', run: async () => {} };
const ok: ScenarioResult = { ok: true, cleanupErrors: [], ms: 10 };
const bad: ScenarioResult = { ok: false, failedStep: 'info', error: 'Error response from daemon: page not found', cleanupErrors: [], ms: 10 };

describe('verdictOf', () => {
  it('passes when both engines pass', () => expect(verdictOf(s, ok, ok, []).verdict).toBe('pass'));
  it('is a MISMATCH when only minidock fails', () => expect(verdictOf(s, ok, bad, []).verdict).toBe('MISMATCH'));
  it('blames the scenario when dockerd fails', () => expect(verdictOf(s, bad, ok, []).verdict).toBe('broken on dockerd'));
  it('accepts a listed difference only when it recognises the failure', () => {
    const known: IntendedDifference[] = [{ scenario: 'x', reason: 'r', applies: (step) => step === 'info' }];
    expect(verdictOf(s, ok, bad, known)).toEqual({ verdict: 'intended difference', reason: 'r' });
    expect(verdictOf(s, ok, { ...bad, failedStep: 'version' }, known).verdict).toBe('MISMATCH');
    expect(verdictOf({ ...s, id: 'y' }, ok, bad, known).verdict).toBe('MISMATCH');
  });
});

describe('firstEngineError', () => {
  it('prefers the first missing endpoint and drops the API version prefix', () => {
    const log = [
      '2026-01-01T00:00:00.000Z minidock engine 0.1.0 listening on unix:///tmp/x.sock (pid 1)',
      '2026-01-01T00:00:00.500Z GET /v1.41/networks/p_front: network p_front not found',
      '2026-01-01T00:00:00.700Z POST /v1.41/containers/create: invalid value for LogConfig',
      '2026-01-01T00:00:01.000Z GET /v1.41/info: page not found: GET /info',
      '2026-01-01T00:00:02.000Z POST /v1.41/volumes/create: page not found: POST /volumes/create',
    ].join('\n');
    expect(firstEngineError(log)).toBe('GET /info: page not found: GET /info');
  });
  it('else names the first error that is not an ordinary "no such"', () => {
    const log = [
      '2026-01-01T00:00:00.500Z GET /v1.41/containers/x/json: No such container: x',
      '2026-01-01T00:00:00.700Z POST /v1.41/containers/create: invalid value for LogConfig',
    ].join('\n');
    expect(firstEngineError(log)).toBe('POST /containers/create: invalid value for LogConfig');
    expect(firstEngineError('2026-01-01T00:00:00.500Z GET /v1.41/containers/x/json: No such container: x\n')).toBeUndefined();
  });
});

describe('renderTable', () => {
  it('escapes pipes and names the failing step', () => {
    const t = renderTable([{ id: 'x', client: 'docker-cli', dockerd: ok, minidock: { ...bad, error: 'a | b' }, verdict: 'MISMATCH' }]);
    expect(t.split('\n')[2]).toBe('| x | docker-cli | pass (0.0 s) | FAIL (0.0 s) | MISMATCH | info: a \\| b |  |');
  });
});
