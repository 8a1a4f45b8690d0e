// Reading and writing cgroup control files. Every failure is a CgroupError naming the
// file and the value attempted (runc's mountError style), so "EINVAL" is never alone.
// cgroupfs is in-kernel: its reads, writes, mkdir and rmdir return in microseconds, so they
// are made synchronously (issue 9/14: a container start makes ~40 of them, which cost ~10 ms
// as thread-pool round trips). The exception is a memory limit write, which may reclaim
// memory first and take long: writeReclaiming keeps it off the event loop.
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MinidockError } from '../../errors.js';

export class CgroupError extends MinidockError {
  constructor(readonly operation: string, readonly file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('Internal', `cgroup: ${operation} ${file}: ${reason}`, { cause });
  }
}

export async function readCgroupFile(file: string): Promise<string> {
  try {
    return fsSync.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CgroupError('cannot read', file, err);
  }
}

/** Write one value (one write(2), as the kernel expects one value per write). */
export async function writeCgroupFile(file: string, value: string): Promise<void> {
  try {
    fsSync.writeFileSync(file, value);
  } catch (err) {
    throw new CgroupError(`cannot write ${JSON.stringify(value)} to`, file, err);
  }
}

/** writeCgroupFile for a memory limit: lowering one makes the kernel reclaim first (can take long). */
export async function writeReclaiming(file: string, value: string): Promise<void> {
  try {
    await fs.writeFile(file, value);
  } catch (err) {
    throw new CgroupError(`cannot write ${JSON.stringify(value)} to`, file, err);
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    fsSync.accessSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CgroupError('cannot access', file, err);
  }
}

/** Create a directory and its parents; returns the directories it created, top first. */
export async function mkdirs(dir: string): Promise<void> {
  try {
    fsSync.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new CgroupError('cannot create', dir, err);
  }
}

/** The pids listed in a cgroup.procs file. */
export async function readPids(file: string): Promise<number[]> {
  const text = await readCgroupFile(file);
  return text.split('\n').filter((l) => l.trim() !== '').map(Number);
}

/** "key value" lines (memory.stat, cpu.stat, memory.events) into a record of numbers. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** Poll until `check` is true; throws a CgroupError naming `file` after `timeoutMs`. */
export async function waitUntil(file: string, what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new CgroupError(`timed out after ${timeoutMs}ms waiting for ${what} in`, file, 'still not reached');
    await sleep(delay);
  }
}

/** Send SIGKILL to each pid; a pid that is already gone (ESRCH) is not an error. */
export function killAll(pids: readonly number[], errors: unknown[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // ESRCH: the process exited between listing and killing, which is the goal anyway.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') errors.push(new CgroupError(`cannot kill pid ${pid} of`, 'cgroup.procs', err));
    }
  }
}

/** rmdir a cgroup directory; absent is fine (already removed). */
export async function removeDir(dir: string, errors: unknown[]): Promise<void> {
  try {
    fsSync.rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(new CgroupError('cannot remove', dir, err));
  }
}
