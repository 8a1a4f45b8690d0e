// The compatibility suite: real Docker clients (docker CLI, docker-compose, docker-py, dockerode,
// testcontainers) run the same scenarios against dockerd, then against a throwaway minidock
// engine; one after the other, never both at once (dockerd is stopped first when we started it,
// so no client can fall back to it). The table goes to the console and, for a full run, to
// test/compat/RESULTS.md (or $COMPAT_REPORT).
// Modes: report (default, `npm run compat`): a MISMATCH is reported as a skipped test, the run
// exits 0. Strict (COMPAT_STRICT=1, `npm run compat:strict`): a MISMATCH fails its test.
// COMPAT_ONLY=id1,id2 restricts the scenarios; COMPAT_ENGINES=dockerd or minidock runs one side.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDockerd, DOCKER_SOCKET, type DockerdHandle } from '../helpers/dockerd.js';
import { REPO, TestEngine } from '../helpers/cli.js';
import { ensureTestRegistry, REGISTRY } from '../helpers/registry.js';
import { run } from '../../src/util/exec.js';
import { renderTable, summary, verdictOf, type Row } from './compare.js';
import { COMPOSE, DOCKER, PYTHON } from './context.js';
import { differences } from './differences.js';
import { makeTarget, runScenario } from './runner.js';
import { scenarios } from './scenarios/index.js';
import type { EngineName, ScenarioResult } from './types.js';

const strict = process.env.COMPAT_STRICT === '1';
const engines = (process.env.COMPAT_ENGINES ?? 'dockerd,minidock').split(',').map((e) => e.trim()) as EngineName[];
const only = process.env.COMPAT_ONLY?.split(',').map((s) => s.trim());
const selected = scenarios.filter((s) => !only || only.includes(s.id));
const isRoot = process.getuid?.() === 0;
const reportFile = process.env.COMPAT_REPORT ?? (only ? undefined : path.join(REPO, 'test/compat/RESULTS.md'));

const dockerdResults = new Map<string, ScenarioResult>();
const rows: Row[] = [];
let releaseRegistry: (() => Promise<void>) | undefined;
let engine: TestEngine | undefined;
let dockerConfig: string;

function log(line: string): void {
  process.stdout.write(`[compat] ${line}\n`);
}

function short(r: ScenarioResult): string {
  return r.ok ? `pass (${(r.ms / 1000).toFixed(1)} s)` : `FAIL at ${r.failedStep}: ${r.error}${r.engineError ? ` [engine: ${r.engineError}]` : ''}`;
}

async function clientVersions(): Promise<string> {
  const v = async (cmd: string, args: string[]) => (await run(cmd, args, { okExitCodes: [1, 2] }).catch((e: Error) => ({ stdout: `unavailable: ${e.message}` }))).stdout.trim().split('\n')[0];
  const pkg = async (name: string) => JSON.parse(await fs.readFile(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version as string;
  return [
    `docker CLI ${await v(DOCKER, ['version', '--format', '{{.Client.Version}}'])}`,
    `docker-compose ${await v(COMPOSE, ['version', '--short'])}`,
    `docker-py ${await v(PYTHON, ['-c', 'import docker; print(docker.__version__)'])}`,
    `dockerode ${await pkg('dockerode')}`,
    `testcontainers ${await pkg('testcontainers')}`,
    `${await v('dockerd', ['--version'])} (dockerd)`,
  ].join(', ');
}

describe.skipIf(!isRoot)('compat: real docker clients, dockerd vs minidock', () => {
  beforeAll(async () => {
    releaseRegistry = await ensureTestRegistry();
    dockerConfig = await fs.mkdtemp(path.join(os.tmpdir(), 'compat-docker-config-'));
    if (engines.includes('dockerd')) {
      const hadDocker0 = (await run('ip', ['link', 'show', 'docker0'], { okExitCodes: [1] })).exitCode === 0;
      const dockerd: DockerdHandle = await ensureDockerd();
      try {
        const target = makeTarget('dockerd', DOCKER_SOCKET, dockerConfig);
        for (const s of selected) {
          const r = await runScenario(s, target, REGISTRY);
          dockerdResults.set(s.id, r);
          log(`dockerd  ${s.id}: ${short(r)}${r.cleanupErrors.length ? ` cleanup: ${r.cleanupErrors.join('; ')}` : ''}`);
        }
      } finally {
        await dockerd.stop();
        // dockerd leaves its default bridge behind; remove it when this run created it.
        if (dockerd.startedByUs && !hadDocker0) await run('ip', ['link', 'del', 'docker0'], { okExitCodes: [1] });
      }
    }
    if (engines.includes('minidock')) {
      await fs.access(path.join(REPO, 'dist/cli/main.js'));
      engine = await TestEngine.create();
      await engine.start();
    }
  });

  afterAll(async () => {
    const errors: string[] = [];
    if (engine) errors.push(...(await engine.destroy()));
    await releaseRegistry?.();
    if (dockerConfig) await fs.rm(dockerConfig, { recursive: true, force: true });
    if (!engines.includes('minidock')) {
      for (const s of selected) rows.push({ id: s.id, client: s.client, dockerd: dockerdResults.get(s.id), verdict: 'not run' });
    }
    const table = renderTable(rows);
    const sum = summary(rows);
    log(`\n${table}\n${sum}\n`);
    if (reportFile && engines.length === 2) {
      const doc = [
        '# Compatibility suite results',
        '',
        'Real Docker clients against dockerd and against minidock on one host (`npm run compat`, see test/compat/).',
        'A scenario passes when every step did what the client asked; "first request minidock refused" is the first',
        'request the engine answered with an error during the scenario (from its log), i.e. what to implement next.',
        '',
        `Clients: ${await clientVersions()}.`,
        `Mode: ${strict ? 'strict' : 'report'}. ${sum}.`,
        '',
        table,
        '',
      ].join('\n');
      await fs.writeFile(reportFile, doc);
      log(`table written to ${reportFile}`);
    }
    expect(errors, 'minidock engine teardown').toEqual([]);
  });

  if (!engines.includes('minidock')) {
    it('dockerd side only: every scenario passes on dockerd', () => {
      const broken = selected.filter((s) => !dockerdResults.get(s.id)?.ok).map((s) => `${s.id}: ${short(dockerdResults.get(s.id)!)}`);
      expect(broken).toEqual([]);
    });
    return;
  }

  for (const s of selected) {
    it(`${s.id} (${s.client}): ${s.title}`, async (ctx) => {
      const m = await runScenario(s, makeTarget('minidock', engine!.env.MINIDOCK_HOST!, dockerConfig), REGISTRY, engine!.env.MINIDOCK_LOG);
      log(`minidock ${s.id}: ${short(m)}${m.cleanupErrors.length ? ` cleanup: ${m.cleanupErrors.join('; ')}` : ''}`);
      const d = dockerdResults.get(s.id);
      const { verdict, reason } = verdictOf(s, d, m, differences);
      rows.push({ id: s.id, client: s.client, dockerd: d, minidock: m, verdict, reason });
      if (verdict === 'MISMATCH') {
        const detail = `passes on dockerd, fails on minidock at "${m.failedStep}": ${m.error}${m.engineError ? `\nfirst request minidock refused: ${m.engineError}` : ''}`;
        if (strict) expect.fail(detail);
        ctx.skip(`MISMATCH (report mode): ${detail}`);
      }
      if (verdict === 'broken on dockerd') ctx.skip(`scenario fails on dockerd: ${d?.failedStep}: ${d?.error}`);
    });
  }
});
