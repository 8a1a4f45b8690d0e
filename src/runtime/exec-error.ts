// Maps the errno the shim reports for a failed exec to docker's errors (126/127).
import os from 'node:os';
import { CommandNotExecutable, CommandNotFound, type MinidockError } from '../errors.js';

const E = os.constants.errno;

export function execFailureError(command: string, errno: number): MinidockError {
  if (errno === E.ENOENT) {
    return command.includes('/')
      ? new CommandNotFound(command, `stat ${command}: no such file or directory`)
      : new CommandNotFound(command, 'executable file not found in $PATH');
  }
  const detail: Record<number, string> = {
    [E.EACCES]: 'permission denied',
    [E.ENOEXEC]: 'exec format error',
    [E.EISDIR]: 'is a directory',
    [E.ENOTDIR]: 'not a directory',
    [E.ELOOP]: 'too many levels of symbolic links',
  };
  const name = Object.entries(E).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;
  return new CommandNotExecutable(command, detail[errno] ?? name.toLowerCase());
}

/** Parses the shim's `execfail <errno>` line; undefined for anything else. */
export function parseExecFail(lineText: string): number | undefined {
  const m = /^execfail (\d+)$/.exec(lineText.trim());
  return m ? Number(m[1]) : undefined;
}
