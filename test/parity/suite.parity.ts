// The parity suite: every scenario runs under docker, then under minidock; normalised results
// are compared and each scenario is a test that fails on MISMATCH. A scenario × result table
// is printed at the end (and written to $PARITY_REPORT when set).
// PARITY_TOOLS=docker runs the docker side only (to check the scenarios themselves);
// PARITY_IMAGE overrides the test image (default localhost:5000/busybox);
// PARITY_ONLY=id1,id2 restricts the scenarios; PARITY_DUMP=dir writes each scenario's results as JSON.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDockerd, type DockerdHandle } from '../helpers/dockerd.js';
import { checkExpectations, compareScenario, renderTable } from './compare.js';
import { differences } from './differences.js';
import { LanHostRun } from './lan.js';
import { ToolRun, toolCommand, type RunEnv } from './runner.js';
import { scenarios } from './scenarios.js';
import type { Tool } from './types.js';
import { run } from '../../src/util/exec.js';

const tools = (process.env.PARITY_TOOLS ?? 'docker,minidock').split(',').map((t) => t.trim()) as Tool[];
const image = process.env.PARITY_IMAGE ?? 'localhost:5000/busybox';
const only = process.env.PARITY_ONLY?.split(',');
const selected = scenarios.filter((s) => !only || only.includes(s.id));
const isRoot = process.getuid?.() === 0;

const rows: Array<{ id: string; verdict: string; note: string }> = [];
let dockerd: DockerdHandle | undefined;
let lan: LanHostRun | undefined;
let env: RunEnv;

describe.skipIf(!isRoot)('parity docker vs minidock', () => {
  beforeAll(async () => {
    if (tools.includes('docker')) dockerd = await ensureDockerd();
    lan = new LanHostRun();
    await lan.start();
    env = { image, lan: lan.plan, sub: `172.29.${1 + Math.floor(Math.random() * 250)}` };
    for (const tool of tools) {
      const c = toolCommand(tool);
      // local registry images only; a failed pull shows up as the scenarios failing
      await run(c.cmd, [...c.prefix, 'pull', image], { timeoutMs: 180_000, okExitCodes: [1, 125] });
    }
  });

  afterAll(async () => {
    await lan?.stop();
    await dockerd?.stop();
    const table = renderTable(rows);
    console.log(`\nparity (${tools.join(' vs ')}, image ${image})\n${table}\n`);
    if (process.env.PARITY_REPORT) writeFileSync(process.env.PARITY_REPORT, `${table}\n`);
  });

  for (const s of selected) {
    it(`${s.id}: ${s.title}`, async () => {
      const results: Partial<Record<Tool, Awaited<ReturnType<ToolRun['runScenario']>>>> = {};
      for (const tool of tools) results[tool] = await new ToolRun(tool, env).runScenario(s);
      if (process.env.PARITY_DUMP) writeFileSync(`${process.env.PARITY_DUMP}/${s.id}.json`, JSON.stringify(results, null, 1));
      const d = results.docker;
      const m = results.minidock;
      const broken = d ? (d.setupError ? [d.setupError] : checkExpectations(s, d.steps)) : [];
      if (broken.length) {
        rows.push({ id: s.id, verdict: 'SCENARIO BROKEN', note: broken.join('; ') });
        expect.fail(`docker does not behave as the scenario expects:\n${broken.join('\n')}\n${JSON.stringify(d?.steps, null, 1)}`);
      }
      if (!d || !m) {
        rows.push({ id: s.id, verdict: 'docker only', note: 'ok' });
        return;
      }
      if (m.setupError) {
        rows.push({ id: s.id, verdict: 'MISMATCH', note: `minidock ${m.setupError}` });
        expect.fail(`minidock ${m.setupError}`);
      }
      const { verdict, diffs } = compareScenario(s, d.steps, m.steps, differences);
      const note = diffs.map((x) => `${x.step}/${x.field}${x.reason ? ` (intended: ${x.reason})` : ''}`).join('; ');
      rows.push({ id: s.id, verdict, note });
      const detail = diffs.filter((x) => !x.reason)
        .map((x) => `--- ${x.step} [${x.field}]\ndocker:   ${JSON.stringify(x.docker)}\nminidock: ${JSON.stringify(x.minidock)}`).join('\n');
      expect(verdict, detail).not.toBe('MISMATCH');
    });
  }
});
