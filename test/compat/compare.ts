// Pure verdicts and the result table of the compatibility suite.
import type { IntendedDifference, Scenario, ScenarioResult } from './types.js';

export type Verdict = 'pass' | 'intended difference' | 'MISMATCH' | 'broken on dockerd' | 'minidock only';

export function verdictOf(s: Scenario, d: ScenarioResult | undefined, m: ScenarioResult, known: IntendedDifference[]): { verdict: Verdict; reason?: string } {
  if (!d) return { verdict: 'minidock only' };
  // A scenario the real engine fails tests nothing: it is the scenario (or the host) at fault.
  if (!d.ok) return { verdict: 'broken on dockerd' };
  if (m.ok) return { verdict: 'pass' };
  const why = known.find((k) => k.scenario === s.id && k.applies(m.failedStep ?? '', m.error ?? ''));
  return why ? { verdict: 'intended difference', reason: why.reason } : { verdict: 'MISMATCH' };
}

export interface Row {
  id: string;
  client: string;
  dockerd?: ScenarioResult;
  minidock?: ScenarioResult;
  verdict: Verdict | 'not run';
  reason?: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function outcome(r: ScenarioResult | undefined): string {
  if (!r) return '-';
  return `${r.ok ? 'pass' : 'FAIL'} (${(r.ms / 1000).toFixed(1)} s)`;
}

function failure(r: ScenarioResult | undefined): string {
  if (!r || r.ok) return '';
  return `${r.failedStep}: ${r.error}`;
}

/** A markdown table: one row per scenario, both engines, the verdict and what failed first. */
export function renderTable(rows: Row[]): string {
  const lines = [
    '| scenario | client | dockerd | minidock | verdict | first failure (step: error) | first request minidock refused |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const notes = [
      failure(r.dockerd) && `dockerd ${failure(r.dockerd)}`,
      r.dockerd?.cleanupErrors.length && `dockerd cleanup: ${r.dockerd.cleanupErrors.join('; ')}`,
      failure(r.minidock),
      r.reason && `intended: ${r.reason}`,
    ]
      .filter(Boolean).join(' / ');
    lines.push(`| ${r.id} | ${r.client} | ${outcome(r.dockerd)} | ${outcome(r.minidock)} | ${r.verdict} | ${cell(notes)} | ${cell(r.minidock?.engineError ?? '')} |`);
  }
  return lines.join('\n');
}

export function summary(rows: Row[]): string {
  const count = (f: (r: Row) => boolean) => rows.filter(f).length;
  return [
    `scenarios: ${rows.length}`,
    `dockerd pass: ${count((r) => !!r.dockerd?.ok)}`,
    `minidock pass: ${count((r) => !!r.minidock?.ok)}`,
    `MISMATCH: ${count((r) => r.verdict === 'MISMATCH')}`,
    `intended differences: ${count((r) => r.verdict === 'intended difference')}`,
    `broken on dockerd: ${count((r) => r.verdict === 'broken on dockerd')}`,
  ].join(', ');
}
