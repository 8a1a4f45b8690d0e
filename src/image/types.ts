// Public image types (docs/ARCHITECTURE.md "image").
import type { HealthConfig } from '../wire/api-types.js';

export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  StopSignal?: string;
  Labels?: Record<string, string> | null;
  Volumes?: Record<string, object> | null;
  /** HEALTHCHECK */
  Healthcheck?: HealthConfig | null;
}

export interface ImageRecord {
  /** sha256:<config digest> */
  id: string;
  /** familiar form, e.g. nginx:latest, localhost:5000/busybox:latest */
  repoTags: string[];
  /** familiar form, e.g. localhost:5000/busybox@sha256:... */
  repoDigests: string[];
  created: string;
  /** unpacked bytes of all layers */
  size: number;
  architecture: string;
  os: string;
  variant?: string;
  config: ImageConfig;
  /** diffIDs, bottom first */
  layers: string[];
}

export type PullEvent = {
  /** short layer id, the tag for whole-image lines, or '' */
  id: string;
  /** docker-like: 'Pulling from x', 'Pulling fs layer', 'Downloading', 'Download complete',
   *  'Pull complete', 'Already exists', 'Digest: ...', 'Status: ...' */
  status: string;
  current?: number;
  total?: number;
};

export type PushEvent = {
  /** short layer id, or '' for whole-image lines */
  id: string;
  /** docker-like: 'The push refers to repository [x]', 'Preparing', 'Waiting', 'Pushing',
   *  'Pushed', 'Layer already exists', '<tag>: digest: sha256:... size: N' */
  status: string;
  current?: number;
  total?: number;
  /** on the last line, as dockerd's aux message */
  aux?: { Tag: string; Digest: string; Size: number };
};
