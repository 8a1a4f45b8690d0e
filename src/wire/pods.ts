// The pod API's bodies (minidock's own, under /minidock/pods): one definition for the engine,
// its routes and the client.
import type { PortMapping } from './ports.js';

/** POST /minidock/pods/create */
export interface PodCreateRequest {
  Name?: string;
  Labels?: Record<string, string>;
  Hostname?: string;
  /** A network name ('' or bridge: the default bridge). */
  Network?: string;
  /** As a container's HostConfig.PortBindings ("80/tcp": [{HostIp, HostPort}]). */
  PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[]>;
  /** Namespaces the members share: a subset of net, ipc, uts holding net (default all three). */
  Share?: string[];
}

/** podman's pod states: Created (never started), Running (holder up), Exited (holder down). */
export type PodStatus = 'Created' | 'Running' | 'Exited';

/** GET /minidock/pods */
export interface PodSummary { Id: string; Name: string; Status: PodStatus; Created: string; Containers: number; Labels: Record<string, string> }

/** GET /minidock/pods/{name} */
export interface PodInspect {
  Id: string;
  Name: string;
  Created: string;
  State: PodStatus;
  Labels: Record<string, string>;
  Share: string[];
  Hostname: string;
  Network: string;
  InfraContainerId: string;
  Ports: PortMapping[];
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  Containers: { Id: string; Name: string; State: string }[];
}
