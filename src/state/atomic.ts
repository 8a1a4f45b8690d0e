// Crash-safe state files: write a temp file beside the target, fsync, rename, fsync the dir.
// A reader never sees a half-written file, whatever moment the engine dies at.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * `sync: false` keeps the atomic rename but skips both fsyncs (~8 ms here): for files that
 * mean nothing after a host crash, such as those under the run dir of live containers.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600, opts: { sync?: boolean } = {}): Promise<void> {
  const sync = opts.sync ?? true;
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (!sync) return;
  const dirHandle = await fs.open(dir, 'r');
  try { await dirHandle.sync(); } finally { await dirHandle.close(); }
}

export async function writeJsonAtomic(file: string, value: unknown, opts: { sync?: boolean } = {}): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', 0o600, opts);
}

/** Reads JSON, or returns undefined when the file does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
