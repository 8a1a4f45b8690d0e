// Printing errors like docker and mapping them to exit codes.
import { MinidockError } from '../errors.js';

import { FROM_DAEMON } from '../api/daemon-mark.js';

export function errorLine(err: unknown, command?: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const daemon = err instanceof MinidockError && (err as unknown as Record<symbol, boolean>)[FROM_DAEMON];
  const text = daemon ? `Error response from daemon: ${msg}` : msg;
  // docker prefixes errors of run/create/start with "docker: "
  return command && ['run', 'create', 'start'].includes(command) ? `minidock: ${text}` : text;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof MinidockError ? err.exitCode : 125;
}

export function fail(err: unknown, command?: string): never {
  process.stderr.write(errorLine(err, command) + '\n');
  process.exit(exitCodeOf(err));
}

/** Runs a command action: exit with its code, errors printed docker-style. */
export async function runAction(name: string, fn: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await fn();
  } catch (err) {
    fail(err, name);
  }
  process.exit(code);
}
