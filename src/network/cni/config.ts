// CNI network configuration lists (CNI spec 1.0, "Configuration format"): found by their
// `name` among the *.conflist / *.conf / *.json files of the configuration directory
// (/etc/cni/net.d unless the service is told another), as libcni's ConfListFromFile does, or
// read from a file given by path. A single plugin `.conf` is read as a list of one. Pure
// parsing apart from reading the directory or the file.
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument } from '../../errors.js';

export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';
export const DEFAULT_CNI_PATH = ['/usr/lib/cni', '/opt/cni/bin'];

/** Versions whose result carries `ips[].address` (0.3.0 on); older ones are refused. */
const RESULT_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'];

export interface CniPluginConf { type: string; capabilities?: Record<string, boolean>; [key: string]: unknown }
export interface CniConfList { cniVersion: string; name: string; disableCheck?: boolean; plugins: CniPluginConf[] }

/** Whether some plugin of the list declares a capability (portMappings, ips, mac...). */
export function hasCapability(list: CniConfList, cap: string): boolean {
  return list.plugins.some((p) => p.capabilities?.[cap] === true);
}

/** The bridge the list's `bridge` plugin makes (its `bridge` field, cni0 by default), if it has one. */
export function bridgeOf(list: CniConfList): string | undefined {
  const b = list.plugins.find((p) => p.type === 'bridge');
  if (!b) return undefined;
  return typeof b.bridge === 'string' && b.bridge ? b.bridge : 'cni0';
}

/** Checks one parsed file; `file` names it in the messages. */
export function parseConfList(raw: unknown, file: string): CniConfList {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidArgument(`cni config ${file}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  const list = Array.isArray(o.plugins) ? o.plugins : typeof o.type === 'string' ? [Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'cniVersion' && k !== 'name'))] : undefined;
  if (typeof o.name !== 'string' || !o.name) throw invalidArgument(`cni config ${file}: no name`);
  if (typeof o.cniVersion !== 'string') throw invalidArgument(`cni config ${file}: no cniVersion`);
  if (!RESULT_VERSIONS.includes(o.cniVersion)) throw invalidArgument(`cni config ${file}: cniVersion ${o.cniVersion} is not supported (supported: ${RESULT_VERSIONS.join(', ')})`);
  if (!list || list.length === 0) throw invalidArgument(`cni config ${file}: no plugins`);
  const plugins = list.map((p, i) => {
    if (!p || typeof p !== 'object' || typeof (p as CniPluginConf).type !== 'string' || !/^[A-Za-z0-9_.-]+$/.test((p as CniPluginConf).type)) {
      throw invalidArgument(`cni config ${file}: plugin ${i + 1} has no valid type`);
    }
    return p as CniPluginConf;
  });
  return { cniVersion: o.cniVersion, name: o.name, disableCheck: o.disableCheck === true, plugins };
}

/** The configuration list named `name` in `dir`; files are tried in name order, as libcni does. */
export async function findConfList(dir: string, name: string): Promise<CniConfList> {
  let files: string[];
  try {
    files = (await fs.readdir(dir)).filter((f) => /\.(conflist|conf|json)$/.test(f)).sort();
  } catch (err) {
    throw invalidArgument(`cni config directory ${dir}: ${(err as Error).message}`);
  }
  for (const f of files) {
    const file = path.join(dir, f);
    let raw: unknown;
    try { raw = JSON.parse(await fs.readFile(file, 'utf8')); } catch { continue; } // another tool's broken file is not ours to judge
    if ((raw as { name?: unknown } | null)?.name !== name) continue;
    return parseConfList(raw, file);
  }
  throw invalidArgument(`cni config ${name} not found in ${dir}`);
}

/**
 * `--opt config=`: a path (it holds a `/`; absolute) is read as one list file; anything else
 * is the name of a list in `dir`.
 */
export async function loadConfList(source: string, dir: string): Promise<CniConfList> {
  if (!source.includes('/')) return findConfList(dir, source);
  if (!path.isAbsolute(source)) throw invalidArgument(`cni config ${source}: a file path must be absolute (the engine does not run in your directory)`);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(source, 'utf8'));
  } catch (err) {
    throw invalidArgument(`cni config ${source}: ${(err as Error).message}`);
  }
  return parseConfList(raw, source);
}
