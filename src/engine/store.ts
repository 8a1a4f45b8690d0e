// Container records: one JSON file per container, written atomically, cached in memory.
// The engine is the only writer (pid lock), so the cache is the truth between writes.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ContainerNotFound, MinidockError, invalidArgument } from '../errors.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { containersRoot, type Paths } from '../state/paths.js';
import type { ContainerRecord } from './record.js';

/** Lookup like docker: full id, then exact name, then unique id prefix. Pure, for tests. */
export function findRecord<T extends { Id: string; Name: string }>(records: Iterable<T>, ref: string): T {
  const all = [...records];
  const byId = all.find((r) => r.Id === ref);
  if (byId) return byId;
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const byName = all.find((r) => r.Name === name);
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const matches = all.filter((r) => r.Id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
  }
  throw new ContainerNotFound(ref);
}

export class ContainerStore {
  private readonly records = new Map<string, ContainerRecord>();
  constructor(private readonly paths: Paths) {}

  dir(id: string): string { return path.join(containersRoot(this.paths), id); }
  file(id: string, name: string): string { return path.join(this.dir(id), name); }
  runDir(id: string): string { return path.join(this.paths.run, 'containers', id); }

  /** Loads every record; returns warnings for records it could not read (their dirs are kept). */
  async load(): Promise<string[]> {
    const root = containersRoot(this.paths);
    await fs.mkdir(root, { recursive: true, mode: 0o711 });
    await fs.chmod(root, 0o711);
    // files of removed containers whose deletion an engine stop or crash cut short
    for (const d of this.retiredDirs()) await fs.rm(d, { recursive: true, force: true });
    const warnings: string[] = [];
    for (const id of await fs.readdir(root)) {
      let rec: ContainerRecord | undefined;
      try {
        rec = await readJson<ContainerRecord>(path.join(root, id, 'config.json'));
      } catch (err) {
        // unreadable is not absent: the container's data stays where it is for a human to look at
        warnings.push(`container ${id}: record not loaded: ${(err as Error).message}`);
        continue;
      }
      // A dir without a record is a create that died half-way: nothing refers to it.
      if (!rec) { await fs.rm(path.join(root, id), { recursive: true, force: true }); continue; }
      this.records.set(rec.Id, rec);
    }
    return warnings;
  }

  all(): ContainerRecord[] { return [...this.records.values()]; }
  find(ref: string): ContainerRecord { return findRecord(this.records.values(), ref); }
  maybe(id: string): ContainerRecord | undefined { return this.records.get(id); }

  /** Throws docker's name-conflict error when `name` (with slash) is taken by another container. */
  assertNameFree(name: string, selfId?: string): void {
    for (const r of this.records.values()) {
      if (r.Name === name && r.Id !== selfId) {
        throw new MinidockError('NameInUse', `Conflict. The container name "${name}" is already in use by container "${r.Id}". You have to remove (or rename) that container to be able to reuse that name.`, { status: 409 });
      }
    }
  }

  /** `sync: false` skips the fsync, for a state a host crash may lose (the caller says why). */
  async save(rec: ContainerRecord, opts: { sync?: boolean } = {}): Promise<void> {
    this.records.set(rec.Id, rec);
    await writeJsonAtomic(this.file(rec.Id, 'config.json'), rec, opts);
  }

  async delete(id: string): Promise<void> {
    this.forget(id);
    await this.removeFiles(id);
  }

  /** The record is gone for every lookup (its name is free); its files stay until removeFiles. */
  forget(id: string): void {
    this.records.delete(id);
  }

  async removeFiles(id: string): Promise<void> {
    await fs.rm(this.dir(id), { recursive: true, force: true });
    await fs.rm(this.runDir(id), { recursive: true, force: true });
  }

  /** Where retired containers' files wait for removal (beside containers/ and run/containers/, same filesystems). */
  private retiredDirs(): string[] {
    return [`${containersRoot(this.paths)}.removed`, path.join(this.paths.run, 'containers.removed')];
  }

  /**
   * Moves the container's dirs out of containers/ and run/containers/ (one rename each, so
   * nothing of it is found there any more) and returns their removal, which the caller may
   * run later (`run --rm` answers its CLI first). Retired dirs left by a crash go at load.
   */
  async retireFiles(id: string): Promise<() => Promise<void>> {
    const [root, run] = this.retiredDirs();
    const moves: [string, string][] = [[this.dir(id), path.join(root!, id)], [this.runDir(id), path.join(run!, id)]];
    const retired: string[] = [];
    for (const [from, to] of moves) {
      await fs.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
      await fs.rm(to, { recursive: true, force: true }); // a retired copy of the same id left by a crash
      try {
        await fs.rename(from, to);
        retired.push(to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return async () => { for (const d of retired) await fs.rm(d, { recursive: true, force: true }); };
  }
}
