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

/**
 * docker's exit codes: `run` exits 125 for engine and CLI errors (126/127 when the command cannot
 * run); every other command exits 1 (`rm x`, `logs x`, `pull nope`, `create nope`), except that a
 * command failing to run keeps 126/127 (exec). Without a command (top level): the error's own code.
 */
export function exitCodeOf(err: unknown, command?: string): number {
  const code = err instanceof MinidockError ? err.exitCode : 125;
  return command === undefined || command === 'run' || code !== 125 ? code : 1;
}

/** The error's hint (e.g. "try: minidock login x"), on the line after it, when it has one. */
function withHint(line: string, err: unknown): string {
  const hint = err instanceof MinidockError ? err.hint : undefined;
  return hint ? `${line}\n${hint}` : line;
}

/**
 * What a failed command prints: the error line, its hint, and for run/create where help is,
 * like docker ("docker: <error>", a blank line, "Run 'docker run --help' for more information").
 */
export function errorText(err: unknown, command?: string): string {
  const text = withHint(errorLine(err, command), err);
  return command === 'run' || command === 'create' ? `${text}\n\nRun 'minidock ${command} --help' for more information` : text;
}

export function fail(err: unknown, command?: string): never {
  process.stderr.write(errorText(err, command) + '\n');
  process.exit(exitCodeOf(err, command));
}

/**
 * Exits once what was written to stdout has left the process: when stdout is a socket (a
 * parent's spawn pipe) its writes are asynchronous, and exiting at once would cut the end of
 * a long `logs` or `cp` stream. A write's callback runs after every earlier write is flushed.
 */
export async function exitAfterFlush(code: number): Promise<never> {
  if (process.stdout.writableLength > 0) await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}

/** Runs a command action: exit with its code, errors printed docker-style. */
export async function runAction(name: string, fn: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await fn();
  } catch (err) {
    fail(err, name);
  }
  return exitAfterFlush(code);
}

/** Runs fn for each id like docker's multi-target commands: errors are printed, the rest go on, exit 1 if any failed. */
export async function forEach(ids: string[], fn: (id: string) => Promise<void>): Promise<number> {
  let code = 0;
  for (const id of ids) {
    try {
      await fn(id);
    } catch (err) {
      process.stderr.write(withHint(errorLine(err), err) + '\n');
      code = 1;
    }
  }
  return code;
}

/** Docker adds `:latest` to a reference without tag or digest. */
export function withDefaultTag(ref: string): string {
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  return ref.includes('@') || lastPart.includes(':') ? ref : `${ref}:latest`;
}

/**
 * `<object> inspect NAME...`: the objects as docker prints them (one JSON array, 4-space indent)
 * or one template line each; a name that fails prints its error line and makes the exit 1,
 * the others are still printed.
 */
export async function inspectEach(names: string[], get: (name: string) => Promise<unknown>, format: string | undefined): Promise<number> {
  const out: unknown[] = [];
  const code = await forEach(names, async (n) => { out.push(await get(n)); });
  if (format === undefined) {
    process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    return code;
  }
  const { renderTemplate } = await import('./template.js');
  for (const o of out) process.stdout.write(renderTemplate(format, o) + '\n');
  return code;
}
