// Shared by both layouts: names that become cgroup directory paths, undoing a half-made cgroup.
import { invalidArgument, TeardownError } from '../../errors.js';
import type { ContainerCgroup } from './types.js';

/** A container id is one path component. */
export function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw invalidArgument(`invalid cgroup name ${JSON.stringify(id)}: must be one path component of [A-Za-z0-9_.-]`);
}

/** The parent is a relative path of plain components ("minidock", "a/b"); a leading "/" is dropped. */
export function normaliseParent(parent: string): string {
  const parts = parent.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..' || !/^[A-Za-z0-9_.:@-]+$/.test(p))) {
    throw invalidArgument(`invalid cgroup parent ${JSON.stringify(parent)}: use a relative path such as "minidock"`);
  }
  return parts.join('/');
}

/** Undo a half-made cgroup and rethrow; a failed cleanup is reported alongside the cause. */
export async function cleanupAfter(cg: ContainerCgroup, cause: unknown): Promise<never> {
  try {
    await cg.destroy();
  } catch (cleanupErr) {
    throw new TeardownError(`cgroup ${cg.id}: creating failed (${cause instanceof Error ? cause.message : String(cause)}) and cleaning up`, [cleanupErr]);
  }
  throw cause;
}
