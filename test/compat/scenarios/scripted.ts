// Runs a scenario written as a client-side script (python for docker-py, node for
// testcontainers) that follows a small protocol: "STEP <label>" on stdout before each step,
// "ERROR <message>" on stderr when one fails (exit 1), "CLEANUP <problem>" (exit 2) when its own
// cleanup failed. The failing step becomes the scenario's failing step; a script that hangs is
// killed after timeoutMs and fails in the step it was in.
import { sleep, StepError, type ScenarioRun } from '../context.js';

export async function runScript(t: ScenarioRun, cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<void> {
  const b = t.spawn(cmd, args, { COMPAT_UID: t.uid, COMPAT_REGISTRY: t.registry, ...env });
  b.child.stdin?.end();
  const code = await Promise.race([b.exited, sleep(timeoutMs).then(() => null)]);
  if (code === null) await b.stop();
  const lines = b.out.split('\n');
  const steps = lines.filter((l) => l.startsWith('STEP ')).map((l) => l.slice(5));
  const cleanup = lines.filter((l) => l.startsWith('CLEANUP ')).map((l) => l.slice(8));
  if (cleanup.length) t.defer('script cleanup', async () => { throw new Error(cleanup.join('; ')); });
  if (code === 0 || (code === 2 && cleanup.length)) return;
  const error = code === null
    ? `${cmd.split('/').pop()} hung: killed after ${timeoutMs / 1000} s`
    : lines.find((l) => l.startsWith('ERROR '))?.slice(6) ?? `${cmd.split('/').pop()} exited ${code}: ${lines.filter(Boolean).slice(-3).join(' ')}`;
  throw new StepError(steps.at(-1) ?? 'start', new Error(error));
}
