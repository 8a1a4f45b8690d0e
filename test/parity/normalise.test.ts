import { describe, expect, it } from 'vitest';
import { decodeProcRoute, keepRows, newContext, normalise, sortLines, tableCells } from './normalise.js';
import { compareScenario, checkExpectations } from './compare.js';
import { lanPlan, lanSetupCommands } from './lan.js';
import type { Scenario } from './types.js';

describe('normalise', () => {
  it('tokenises addresses in order of first appearance, keeping loopback and masks', () => {
    const ctx = newContext();
    const a = normalise('1: lo    inet 127.0.0.1/8 scope host lo\n23: eth0@if24    inet 172.17.0.2/16 brd 172.17.255.255', ctx);
    expect(a).toBe('<idx>: lo    inet 127.0.0.1/8 scope host lo\n<idx>: eth0@if<idx>    inet <ip1>/16 brd <ip2>');
    expect(normalise('via 172.17.0.2 mask 255.255.0.0', ctx)).toBe('via <ip1> mask 255.255.0.0');
  });

  it('maps two tools to the same text when only ids, macs, bridges and names differ', () => {
    const d = newContext({ 'e12abd-web': 'web' });
    const m = newContext({ 'e99ffm-web': 'web' });
    const dockerOut = 'ab12cd34ef56  docker0 02:42:ac:11:00:02 e12abd-web Up 3 seconds docker: oops\n';
    const mdOut = '0123456789ab  minidock0 aa:bb:cc:dd:ee:ff e99ffm-web Up About a minute minidock: oops';
    expect(normalise(dockerOut, d)).toBe(normalise(mdOut, m));
    expect(normalise(mdOut, m)).toBe('<id>  <bridge0> <mac> web Up <duration> <tool>: oops');
  });

  it('keeps real differences visible', () => {
    expect(normalise('uid=0(root)', newContext())).not.toBe(normalise('uid=65534(nobody)', newContext()));
    expect(normalise('Exited (137) 2 seconds ago', newContext())).toBe('Exited (137) <duration> ago');
  });

  it('replaces literals only on word boundaries', () => {
    expect(normalise('vm vmlinuz', newContext({ vm: '<host-hostname>' }))).toBe('<host-hostname> vmlinuz');
  });

  it('decodes /proc/net/route hex addresses', () => {
    const text = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0';
    expect(decodeProcRoute(text).split('\n')[1]).toBe('eth0 0.0.0.0 172.17.0.1 0003 0 0 0 0.0.0.0 0 0 0');
  });

  it('splits tables into cells and keeps only our rows', () => {
    const ps = 'CONTAINER ID   IMAGE     NAMES\nabc   busybox   web\ndef   busybox   someone-else';
    expect(tableCells(keepRows(ps, ['web']))).toBe('CONTAINER ID | IMAGE | NAMES\nabc | busybox | web');
    expect(sortLines('b\na')).toBe('a\nb');
  });
});

describe('compareScenario', () => {
  const s: Scenario = { id: 'x', title: 't', steps: [{ kind: 'cli', label: 'a', argv: [], expect: { exit: 0 } }] };
  const res = (exit: number, stdout = '') => [{ label: 'a', setup: false, result: { exit, stdout, stderr: '' } }];
  it('matches, flags mismatches, and honours listed differences', () => {
    expect(compareScenario(s, res(0, 'x'), res(0, 'x'), []).verdict).toBe('match');
    expect(compareScenario(s, res(0, 'x'), res(1, 'x'), []).verdict).toBe('MISMATCH');
    const known = [{ scenario: 'x', step: 'a', field: 'stdout' as const, reason: 'why' }];
    expect(compareScenario(s, res(0, 'x'), res(0, 'y'), known).verdict).toBe('intended difference');
    expect(compareScenario(s, res(0, 'x'), res(1, 'y'), known).verdict).toBe('MISMATCH');
  });
  it('checks docker against the expectations', () => {
    expect(checkExpectations(s, res(0))).toEqual([]);
    expect(checkExpectations(s, res(2))).toEqual(['a: exit 2, expected 0']);
  });
});

describe('lan host plan', () => {
  it('keeps interface names within 15 characters and stays in 198.18.0.0/15', () => {
    const p = lanPlan('abcdef', 7);
    expect(p).toEqual({ ns: 'e-lan-abcdef', hostVeth: 'e-lh-abcdef', hostIp: '198.19.7.1', lanIp: '198.19.7.2' });
    for (const c of lanSetupCommands(p)) for (const a of c) if (a.startsWith('e-lh')) expect(a.length).toBeLessThanOrEqual(15);
  });
});
