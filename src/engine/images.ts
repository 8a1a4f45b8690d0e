// docker commit, the engine's side: the container's config (with the request's config and
// --change lines applied) becomes the new image's, its upper dir the new layer. A running
// container is frozen for the copy unless pause=false, as dockerd does.
import path from 'node:path';
import { invalidArgument, TeardownError } from '../errors.js';
import type { EngineCore } from './core.js';
import type { ImageConfig, ImageRecord } from './services.js';
import { applyChange } from './commit-changes.js';

export interface CommitQuery {
  container: string;
  /** name[:tag] to tag the image with; untagged when absent */
  tag?: string;
  comment: string;
  author: string;
  pause: boolean;
  changes: string[];
  /** the request body: image config fields that override the container's */
  config?: Record<string, unknown> | null;
}

const CONFIG_KEYS = ['Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal'] as const;
/** etc files bind-mounted over the rootfs: their mount points are not the container's changes (docker's init layer) */
const MOUNTED_ETC = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || v === false || v === 0
  || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** The request body's config over the container's: set fields win; a field commit cannot keep is refused. */
function mergeBody(cfg: ImageConfig, body: Record<string, unknown> | null | undefined): void {
  for (const [k, v] of Object.entries(body ?? {})) {
    if ((CONFIG_KEYS as readonly string[]).includes(k)) {
      if (!isEmpty(v)) (cfg as Record<string, unknown>)[k] = v;
    } else if (!isEmpty(v)) {
      throw invalidArgument(`minidock does not support ${k} in a commit's config yet`);
    }
  }
}

export async function commitContainer(core: EngineCore, q: CommitQuery,
  freeze: { pause(id: string): Promise<void>; unpause(id: string): Promise<void> }): Promise<ImageRecord> {
  const rec = core.store.find(q.container);
  const cfg: ImageConfig = {};
  for (const k of CONFIG_KEYS) if (rec.Config[k] !== undefined) (cfg as Record<string, unknown>)[k] = rec.Config[k];
  mergeBody(cfg, q.config);
  for (const c of q.changes) applyChange(cfg, c);
  const mustFreeze = q.pause && rec.State.Status === 'running' && !rec.State.Paused;
  if (mustFreeze) await freeze.pause(rec.Id);
  let img: ImageRecord | undefined;
  let failure: unknown;
  try {
    img = await core.services.images.commit({
      parentId: rec.Image, upperDir: path.join(core.etcPaths(rec.Id).root, 'upper'), idMaps: rec.Userns, exclude: MOUNTED_ETC,
      config: cfg, createdBy: [rec.Path, ...rec.Args].join(' '), comment: q.comment, author: q.author,
    }, q.tag);
  } catch (err) {
    failure = err;
  }
  if (mustFreeze) {
    try {
      await freeze.unpause(rec.Id);
    } catch (err) {
      throw failure === undefined ? err : new TeardownError(`commit of ${rec.Id}`, [failure, err]);
    }
  }
  if (failure !== undefined) throw failure;
  core.emit(rec, 'commit', { comment: q.comment, imageID: img!.id });
  return img!;
}
