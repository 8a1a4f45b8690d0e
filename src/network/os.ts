// The network module's boundary with the OS: every external command (through
// src/util/exec.ts), every sysfs probe and sysctl write goes through one HostOs object, so
// unit tests can hand in a fake that records calls (the idea of youki's syscall/test.rs).
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import { run } from '../util/exec.js';

export type Runner = typeof run;

export interface HostOs {
  run: Runner;
  /** Whether a host interface exists (sysfs answers without spawning `ip`). */
  linkExists(name: string): boolean;
  /** The interfaces enslaved to a bridge (sysfs brif/); [] when it has none or is gone. */
  bridgePorts(bridge: string): string[];
  /** Whether the process still has a network namespace (the container is alive). */
  netnsExists(pid: number): boolean;
  /** Writes /proc/sys/<key>, e.g. `net/ipv4/ip_forward`. */
  sysctl(key: string, value: string): Promise<void>;
  /** A sysctl's current value (trimmed); undefined when the key does not exist. */
  readSysctl(key: string): Promise<string | undefined>;
  /** STP state of a bridge port (/sys/class/net/<name>/brport/state, BR_STATE_*: 3 is
   * forwarding); undefined when `name` is not a bridge port. */
  bridgePortState(name: string): Promise<number | undefined>;
  /** Resolves after `ms` (waits for the kernel go through here, so fakes need no clock). */
  delay(ms: number): Promise<void>;
}

export const hostOs: HostOs = {
  run: (cmd, args, opts) => run(cmd, args, opts),
  linkExists: (name) => existsSync(`/sys/class/net/${name}`),
  bridgePorts: (bridge) => { try { return readdirSync(`/sys/class/net/${bridge}/brif`); } catch { return []; /* no such bridge: nothing enslaved */ } },
  netnsExists: (pid) => existsSync(`/proc/${pid}/ns/net`),
  sysctl: (key, value) => fs.writeFile(`/proc/sys/${key}`, value),
  readSysctl: (key) => fs.readFile(`/proc/sys/${key}`, 'utf8').then((v) => v.trim(), () => undefined),
  // a missing file means no such port: undefined is the answer, not an error
  bridgePortState: (name) => fs.readFile(`/sys/class/net/${name}/brport/state`, 'utf8').then((v) => Number(v.trim()), () => undefined),
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
