// Manifest shapes (Docker schema2, OCI manifest, Docker manifest list, OCI index) and their
// validation: pure functions over parsed JSON, so malformed registry answers become
// RegistryError with the reference at fault instead of TypeErrors deep in the pull.
import { createHash } from 'node:crypto';
import { RegistryError } from '../errors.js';
import { MEDIA } from './registry.js';
import type { Platform } from './platform.js';
import type { ImageConfig } from './types.js';

export interface Descriptor { mediaType: string; digest: string; size: number; platform?: Partial<Platform>; urls?: string[] }
export interface ImageManifest { kind: 'manifest'; config: Descriptor; layers: Descriptor[] }
export interface ImageIndex { kind: 'index'; manifests: Descriptor[] }

const digestRe = /^sha(256:[a-f0-9]{64}|384:[a-f0-9]{96}|512:[a-f0-9]{128})$/;

function descriptor(where: string, d: unknown): Descriptor {
  const x = d as Partial<Descriptor> | null;
  if (!x || typeof x.digest !== 'string' || !digestRe.test(x.digest) || typeof x.size !== 'number' || x.size < 0) {
    throw new RegistryError(`malformed descriptor in ${where}: ${JSON.stringify(d)?.slice(0, 200)}`);
  }
  return { mediaType: String(x.mediaType ?? ''), digest: x.digest, size: x.size, platform: x.platform, urls: x.urls };
}

export function parseManifest(where: string, mediaType: string, body: Buffer): ImageManifest | ImageIndex {
  let j: { schemaVersion?: number; mediaType?: string; manifests?: unknown[]; config?: unknown; layers?: unknown[] };
  try { j = JSON.parse(body.toString('utf8')); } catch { throw new RegistryError(`manifest of ${where} is not valid json`); }
  const mt = j.mediaType ?? mediaType;
  if (j.schemaVersion !== 2) throw new RegistryError(`unsupported manifest schema version ${j.schemaVersion} for ${where} (media type ${mt})`);
  if (mt === MEDIA.dockerList || mt === MEDIA.ociIndex || (!j.config && Array.isArray(j.manifests))) {
    if (!Array.isArray(j.manifests)) throw new RegistryError(`index of ${where} has no manifests`);
    return { kind: 'index', manifests: j.manifests.map((m) => descriptor(where, m)) };
  }
  if (mt === MEDIA.dockerManifest || mt === MEDIA.ociManifest || (j.config && Array.isArray(j.layers))) {
    if (!Array.isArray(j.layers)) throw new RegistryError(`manifest of ${where} has no layers`);
    return { kind: 'manifest', config: descriptor(where, j.config), layers: j.layers.map((l) => descriptor(where, l)) };
  }
  throw new RegistryError(`unsupported manifest media type ${JSON.stringify(mt)} for ${where}`);
}

export type LayerCompression = 'gzip' | 'none';

export function layerCompression(where: string, mediaType: string): LayerCompression {
  if (mediaType.includes('foreign') || mediaType.includes('nondistributable')) throw new RegistryError(`foreign layers are not supported (${mediaType} in ${where})`);
  if (mediaType.endsWith('gzip')) return 'gzip';
  if (mediaType.endsWith('.tar') || mediaType === 'application/vnd.docker.image.rootfs.diff.tar') return 'none';
  throw new RegistryError(`unsupported layer media type ${JSON.stringify(mediaType)} in ${where}`);
}

export interface ParsedConfig {
  architecture: string; os: string; variant?: string; created: string; config: ImageConfig; diffIds: string[];
}

export function parseImageConfig(where: string, body: Buffer): ParsedConfig {
  let j: { architecture?: string; os?: string; variant?: string; created?: string; config?: ImageConfig; rootfs?: { type?: string; diff_ids?: unknown[] } };
  try { j = JSON.parse(body.toString('utf8')); } catch { throw new RegistryError(`image config of ${where} is not valid json`); }
  const ids = j.rootfs?.diff_ids;
  if (j.rootfs?.type !== 'layers' || !Array.isArray(ids) || !ids.every((d) => typeof d === 'string' && digestRe.test(d))) {
    throw new RegistryError(`image config of ${where} has no valid rootfs.diff_ids`);
  }
  return {
    architecture: j.architecture ?? '', os: j.os ?? '', variant: j.variant, created: j.created ?? new Date(0).toISOString(),
    config: j.config ?? {}, diffIds: ids as string[],
  };
}

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)) (OCI image spec). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    out.push(out.length === 0 ? d : `sha256:${createHash('sha256').update(`${out[out.length - 1]} ${d}`).digest('hex')}`);
  }
  return out;
}
