// ContainerStore.retireFiles: a removed container's dirs leave containers/ and run/containers/
// at once (one rename each), their deletion is the caller's to run later, and retired dirs a
// crash left behind go at the next load.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ContainerStore } from '../../src/engine/store.js';

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'md-retire-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const ls = (p: string) => fs.readdir(p).catch(() => [] as string[]);

describe('ContainerStore.retireFiles', () => {
  it('moves both dirs aside at once and deletes them when asked', async () => {
    const paths = { root: path.join(dir, 'root'), run: path.join(dir, 'run') };
    const store = new ContainerStore(paths);
    await store.load();
    const id = 'a'.repeat(64);
    await fs.mkdir(path.join(store.dir(id), 'upper', 'etc'), { recursive: true });
    await fs.writeFile(path.join(store.dir(id), 'config.json'), '{}');
    await fs.mkdir(store.runDir(id), { recursive: true });
    const remove = await store.retireFiles(id);
    expect(await ls(path.join(paths.root, 'containers'))).toEqual([]);
    expect(await ls(path.join(paths.run, 'containers'))).toEqual([]);
    expect(await ls(path.join(paths.root, 'containers.removed'))).toEqual([id]);
    expect(await ls(path.join(paths.run, 'containers.removed'))).toEqual([id]);
    await remove();
    expect(await ls(path.join(paths.root, 'containers.removed'))).toEqual([]);
    expect(await ls(path.join(paths.run, 'containers.removed'))).toEqual([]);
  });

  it('takes a container without a run dir, and load clears what a crash left retired', async () => {
    const paths = { root: path.join(dir, 'root'), run: path.join(dir, 'run') };
    const store = new ContainerStore(paths);
    await store.load();
    const id = 'b'.repeat(64);
    await fs.mkdir(store.dir(id), { recursive: true });
    await store.retireFiles(id); // its deletion never runs: the engine "crashed"
    expect(await ls(path.join(paths.root, 'containers.removed'))).toEqual([id]);
    await new ContainerStore(paths).load();
    expect(await ls(path.join(paths.root, 'containers.removed'))).toEqual([]);
  });
});
