// Contracts of the volume module: what a volume is on disk and how the Engine API shows it.

/** `volumes/<name>/volume.json`, written last: its presence is what makes the volume exist. */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  /** RFC 3339, seconds (docker's CreatedAt) */
  createdAt: string;
  labels: Record<string, string>;
  /** local driver options (`type`, `device`, `o`); null = a plain directory volume */
  options: Record<string, string> | null;
}

export type { VolumeInfo } from '../wire/api-types.js';

export interface VolumeCreateOptions {
  /** '' or undefined: an anonymous volume with a generated 64-hex name */
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string> | null;
  labels?: Record<string, string> | null;
}

export interface PruneReport { VolumesDeleted: string[]; SpaceReclaimed: number }

/** docker's label on volumes it creates without a name (`docker run -v /data`, image VOLUME). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
