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

  async save(rec: ContainerRecord): Promise<void> {
    this.records.set(rec.Id, rec);
    await writeJsonAtomic(this.file(rec.Id, 'config.json'), rec);
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    await fs.rm(this.dir(id), { recursive: true, force: true });
    await fs.rm(this.runDir(id), { recursive: true, force: true });
  }
}
