// `rename` (POST /containers/{id}/rename?name=): dockerd's checks and messages, the record under
// the name lock (no create can take the name meanwhile), the DNS name on user networks follows,
// a `rename` event with the old name. Works on a running container; its hostname and
// /etc/hosts keep what they had (docker's).
import { invalidArgument } from '../errors.js';
import type { EngineCore } from './core.js';
import { normaliseName } from './names.js';

export async function renameContainer(core: EngineCore, ref: string, newName: string): Promise<void> {
  if (!newName) throw invalidArgument('Neither old nor new names may be empty');
  const name = normaliseName(newName);
  await core.nameLock.run(async () => {
    const rec = core.store.find(ref);
    if (rec.Name === name) throw invalidArgument('Renaming a container with the same name as its current name');
    core.store.assertNameFree(name, rec.Id);
    const oldName = rec.Name;
    rec.Name = name;
    await core.store.save(rec);
    try {
      await core.services.network.renameContainer(rec.Id, name.slice(1));
    } catch (err) {
      // the record keeps the new name; a network that could not follow is named in the log
      core.log(`rename of ${rec.Id}: the network did not follow: ${(err as Error).message}`);
    }
    core.emit(rec, 'rename', { oldName });
  });
}
