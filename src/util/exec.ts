// The one door to external tools (ip, nft, iptables, mount, tar...). Argument arrays only,
// never a shell string; a timeout; failures raised as ExternalCommandError carrying the
// command, its args, exit code and stderr so callers (and users) see what was attempted.
import { execa } from 'execa';
import { ExternalCommandError } from '../errors.js';

export interface RunOptions {
  /** Text fed to the command's stdin (e.g. an nft batch). */
  input?: string;
  /** Milliseconds before the command is killed. */
  timeoutMs?: number;
  /** Extra environment; the process env is inherited otherwise. */
  env?: Record<string, string>;
  /** Exit codes that are not failures (e.g. `iptables -C` uses 1 for "no such rule"). */
  okExitCodes?: number[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export async function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await execa(command, args, {
    input: opts.input,
    timeout: opts.timeoutMs ?? 30_000,
    env: opts.env,
    reject: false,
    stripFinalNewline: true,
  });
  const exitCode = result.exitCode ?? -1;
  const ok = exitCode === 0 || (opts.okExitCodes?.includes(exitCode) ?? false);
  if (!ok || result.failed && result.exitCode === undefined) {
    let reason: ExternalCommandError['reason'] = 'failed';
    if ((result as { code?: string }).code === 'ENOENT') reason = 'not-installed';
    else if (result.timedOut) reason = 'timeout';
    throw new ExternalCommandError(command, [...args], exitCode, String(result.stderr ?? '').trim(), reason);
  }
  return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode };
}

/** Run a command and report only whether it exited 0 (for probes such as `nft list table`). */
export async function succeeds(command: string, args: readonly string[], opts: RunOptions = {}): Promise<boolean> {
  try {
    await run(command, args, opts);
    return true;
  } catch (err) {
    if (err instanceof ExternalCommandError && err.reason === 'failed') return false;
    throw err;
  }
}
