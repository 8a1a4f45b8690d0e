// A container's network namespace pinned by a bind mount for as long as its CNI attachment
// lives (as podman and CRI runtimes keep theirs under /run/netns): DEL then enters the very
// netns ADD configured even after the container's processes are gone, so plugins can undo
// what they did inside it (the bridge plugin removes its masquerade rules only from inside),
// and a reused pid can never lead DEL into another process's netns. mount/umount go through
// the runner (src/util/exec.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Runner } from '../os.js';

export class NetnsPins {
  constructor(private readonly run: Runner, private readonly dir: string) {}

  /** The pin of one container on one network (the network's id prefix keeps two networks apart). */
  file(containerId: string, networkId: string): string {
    return path.join(this.dir, `${containerId.slice(0, 12)}-${networkId.slice(0, 12)}`);
  }

  async pin(pid: number, file: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(file, '', { flag: 'a' });
    await this.run('mount', ['--bind', `/proc/${pid}/ns/net`, file]);
  }

  /** Whether something is mounted on the file (its device differs from its directory's). */
  async pinned(file: string): Promise<boolean> {
    try {
      const [f, d] = await Promise.all([fs.stat(file), fs.stat(path.dirname(file))]);
      return f.dev !== d.dev;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Unmounts and removes the pin; a pin already gone is no failure. Returns what failed. */
  async unpin(file: string): Promise<unknown[]> {
    const errors: unknown[] = [];
    try {
      if (await this.pinned(file)) await this.run('umount', [file]);
      await fs.rm(file, { force: true });
    } catch (err) {
      errors.push(err);
    }
    return errors;
  }
}
