// Pod records: one JSON file per pod (pods/<id>.json), written atomically, cached in memory,
// as container records are. A pod's namespaces live in its holder, a container record of its
// own (Hold); the pod record names it and what its members share.
import fs from 'node:fs/promises';
import path from 'node:path';
import { PodNotFound } from '../errors.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { podsRoot, type Paths } from '../state/paths.js';
import { findRecord } from './store.js';

/** What a pod's containers take from its holder (net always: ports are published at the pod). */
export type PodShare = 'net' | 'ipc' | 'uts';
export const POD_SHARES: readonly PodShare[] = ['net', 'ipc', 'uts'];

export interface PodRecord {
  Id: string;
  /** "/name", as container names */
  Name: string;
  Created: string;
  Labels: Record<string, string>;
  Share: PodShare[];
  /** The holder's container id. */
  InfraId: string;
}

export class PodStore {
  private readonly pods = new Map<string, PodRecord>();
  constructor(private readonly paths: Paths) {}

  private file(id: string): string { return path.join(podsRoot(this.paths), `${id}.json`); }

  async load(): Promise<void> {
    const root = podsRoot(this.paths);
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    this.pods.clear();
    for (const f of await fs.readdir(root)) {
      if (!f.endsWith('.json')) continue; // writeJsonAtomic's temporary files of an interrupted write
      const rec = await readJson<PodRecord>(path.join(root, f));
      if (rec) this.pods.set(rec.Id, rec);
    }
  }

  all(): PodRecord[] { return [...this.pods.values()]; }
  maybe(id: string): PodRecord | undefined { return this.pods.get(id); }

  /** Full id, exact name, unique id prefix (as containers). */
  find(ref: string): PodRecord {
    try {
      return findRecord(this.pods.values(), ref);
    } catch (err) {
      if ((err as { code?: string }).code === 'ContainerNotFound') throw new PodNotFound(ref);
      throw err;
    }
  }

  async save(rec: PodRecord): Promise<void> {
    this.pods.set(rec.Id, rec);
    await fs.mkdir(podsRoot(this.paths), { recursive: true, mode: 0o700 });
    await writeJsonAtomic(this.file(rec.Id), rec);
  }

  async delete(id: string): Promise<void> {
    this.pods.delete(id);
    await fs.rm(this.file(id), { force: true });
  }
}
