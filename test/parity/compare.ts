// Pure comparison of one scenario's results under docker and minidock.
import type { Field, IntendedDifference, Scenario, StepResult } from './types.js';
import type { StepOutcome } from './runner.js';

export type Verdict = 'match' | 'intended difference' | 'MISMATCH';

export interface FieldDiff { step: string; field: Field; docker: string; minidock: string; reason?: string }

export const DEFAULT_FIELDS: Field[] = ['exit', 'stdout', 'stderr-empty'];

export function fieldValue(r: StepResult, f: Field): string {
  switch (f) {
    case 'exit': return String(r.exit);
    case 'stdout': return r.stdout;
    case 'stderr': return r.stderr;
    case 'stderr-empty': return r.stderr.trim() === '' ? 'stderr empty' : 'stderr non-empty';
    case 'outcome': return r.outcome ?? '';
  }
}

export function compareScenario(
  s: Scenario, docker: StepOutcome[], minidock: StepOutcome[], known: IntendedDifference[],
): { verdict: Verdict; diffs: FieldDiff[] } {
  const diffs: FieldDiff[] = [];
  for (const step of s.steps) {
    const d = docker.find((o) => !o.setup && o.label === step.label);
    const m = minidock.find((o) => !o.setup && o.label === step.label);
    const fields = step.compare ?? DEFAULT_FIELDS;
    if (!d || !m) {
      diffs.push({ step: step.label, field: 'exit', docker: d ? String(d.result.exit) : 'not run', minidock: m ? String(m.result.exit) : 'not run' });
      continue;
    }
    for (const f of fields) {
      const dv = fieldValue(d.result, f);
      const mv = fieldValue(m.result, f);
      if (dv === mv) continue;
      const why = known.find((k) => k.scenario === s.id && (k.step === undefined || k.step === step.label) && k.field === f && (!k.applies || k.applies(dv, mv)));
      diffs.push({ step: step.label, field: f, docker: dv, minidock: mv, reason: why?.reason });
    }
  }
  const verdict: Verdict = diffs.length === 0 ? 'match' : diffs.every((x) => x.reason) ? 'intended difference' : 'MISMATCH';
  return { verdict, diffs };
}

/** Checks docker's results against the scenario's expectations; returns the failures. */
export function checkExpectations(s: Scenario, docker: StepOutcome[]): string[] {
  const problems: string[] = [];
  for (const step of s.steps) {
    const o = docker.find((x) => !x.setup && x.label === step.label);
    if (!o || !step.expect) continue;
    const e = step.expect;
    const r = o.result;
    if (e.exit !== undefined && r.exit !== e.exit) problems.push(`${step.label}: exit ${r.exit}, expected ${e.exit}`);
    if (e.stdout && !e.stdout.test(r.stdout)) problems.push(`${step.label}: stdout ${JSON.stringify(r.stdout)} !~ ${e.stdout}`);
    if (e.stderr && !e.stderr.test(r.stderr)) problems.push(`${step.label}: stderr ${JSON.stringify(r.stderr)} !~ ${e.stderr}`);
    if (e.outcome !== undefined && r.outcome !== e.outcome) problems.push(`${step.label}: outcome ${r.outcome}, expected ${e.outcome}`);
  }
  return problems;
}

export function renderTable(rows: Array<{ id: string; verdict: string; note: string }>): string {
  const w = Math.max(8, ...rows.map((r) => r.id.length));
  const v = Math.max(7, ...rows.map((r) => r.verdict.length));
  const line = (a: string, b: string, c: string) => `| ${a.padEnd(w)} | ${b.padEnd(v)} | ${c}`;
  return [line('scenario', 'result', 'notes'), `|${'-'.repeat(w + 2)}|${'-'.repeat(v + 2)}|------`, ...rows.map((r) => line(r.id, r.verdict, r.note))].join('\n');
}
