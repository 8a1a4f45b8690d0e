// Running CNI plugins per the CNI spec 1.0 ("Execution protocol" and "Plugin delegation"):
// the plugin binary is found in CNI_PATH, gets the CNI_* environment and the network
// configuration on stdin, and answers a result or an error object on stdout. A list runs
// ADD in order, each plugin getting the previous one's result as `prevResult`; DEL runs in
// reverse order with the cached ADD result; CHECK in order with it. `runtimeConfig` holds
// only the capabilities a plugin declares. Every plugin goes through src/util/exec.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CniError, invalidArgument } from '../../errors.js';
import type { Runner } from '../os.js';
import type { CniConfList, CniPluginConf } from './config.js';

/** What a runtime hands a plugin besides the configuration. */
export interface CniInvocation {
  containerId: string;
  /** /proc/<pid>/ns/net, or '' on a DEL of a container whose netns is gone. */
  netns: string;
  ifName: string;
  /** Capability arguments (e.g. portMappings), given only to plugins that declare them. */
  runtimeConfig: Record<string, unknown>;
}

/** The fields minidock reads of a result (spec 1.0 "Success"); the whole result is kept as given. */
export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  [key: string]: unknown;
}

/** Every non-zero exit: a plugin reports its error on stdout and the exit code says nothing more. */
const NON_ZERO = Array.from({ length: 255 }, (_, i) => i + 1);

export class CniPlugins {
  constructor(private readonly run: Runner, private readonly dirs: string[]) {}

  private find(type: string): string {
    for (const d of this.dirs) {
      const p = path.join(d, type);
      if (existsSync(p)) return p;
    }
    throw invalidArgument(`cni plugin ${type} not found in ${this.dirs.join(':')}`);
  }

  /** One plugin, one command; the parsed stdout (undefined when empty, as DEL answers). */
  async exec(list: CniConfList, plugin: CniPluginConf, command: string, inv: CniInvocation, prevResult?: CniResult): Promise<unknown> {
    const runtimeConfig = Object.fromEntries(Object.entries(inv.runtimeConfig).filter(([k]) => plugin.capabilities?.[k] === true));
    const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
    delete conf.capabilities;
    if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
    if (prevResult) conf.prevResult = prevResult;
    const env: Record<string, string> = {
      CNI_COMMAND: command, CNI_CONTAINERID: inv.containerId, CNI_NETNS: inv.netns, CNI_IFNAME: inv.ifName,
      CNI_ARGS: '', CNI_PATH: this.dirs.join(':'),
    };
    const r = await this.run(this.find(plugin.type), [], { input: JSON.stringify(conf), env, okExitCodes: NON_ZERO, timeoutMs: 60_000 });
    const out = r.stdout.trim();
    let parsed: unknown;
    try { parsed = out ? JSON.parse(out) : undefined; } catch {
      throw new CniError(plugin.type, command, list.name, 999, `unreadable answer: ${out.slice(0, 200) || r.stderr.trim()}`);
    }
    if (r.exitCode !== 0) {
      const e = (parsed ?? {}) as { code?: number; msg?: string; details?: string };
      throw new CniError(plugin.type, command, list.name, e.code ?? 999, [e.msg, e.details].filter(Boolean).join(': ') || r.stderr.trim() || `exit ${r.exitCode}`);
    }
    return parsed;
  }

  /** VERSION of each plugin: the binary exists and speaks the list's version. */
  async version(list: CniConfList): Promise<void> {
    for (const p of list.plugins) {
      const v = (await this.exec(list, p, 'VERSION', { containerId: '', netns: '', ifName: '', runtimeConfig: {} })) as { supportedVersions?: string[] } | undefined;
      if (!v?.supportedVersions?.includes(list.cniVersion)) {
        throw invalidArgument(`cni plugin ${p.type} does not support cniVersion ${list.cniVersion} of network ${list.name} (it supports ${v?.supportedVersions?.join(', ') ?? 'nothing'})`);
      }
    }
  }

  /** ADD through the chain; the last result is the list's result. */
  async add(list: CniConfList, inv: CniInvocation): Promise<CniResult> {
    let prev: CniResult | undefined;
    for (const p of list.plugins) {
      const r = (await this.exec(list, p, 'ADD', inv, prev)) as CniResult | undefined;
      if (!r || typeof r !== 'object') throw new CniError(p.type, 'ADD', list.name, 999, 'no result');
      prev = r;
    }
    return prev!;
  }

  /** CHECK through the chain with the cached result (skipped when the list disables it or predates CHECK). */
  async check(list: CniConfList, inv: CniInvocation, cached: CniResult): Promise<void> {
    // CHECK came with 0.4.0: a runtime must not send it to a list of an older version
    if (list.disableCheck || list.cniVersion.startsWith('0.3.')) return;
    for (const p of list.plugins) await this.exec(list, p, 'CHECK', inv, cached);
  }

  /** DEL in reverse order, every plugin tried; the errors are returned. */
  async del(list: CniConfList, inv: CniInvocation, cached: CniResult | undefined): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const p of [...list.plugins].reverse()) {
      await this.exec(list, p, 'DEL', inv, cached).catch((err) => errors.push(err));
    }
    return errors;
  }
}
