// What a CNI network takes and what it refuses, by name. A CNI network's addresses, routes
// and gateway are its configuration list's (the plugins' IPAM), and minidock runs no DNS
// server on it, so the options that would set those are refused, never ignored. Pure.
import { invalidArgument } from '../../errors.js';
import type { CreateNetworkOptions } from '../types.js';
import { hasCapability, type CniConfList } from './config.js';

const IPAM = "addresses come from the cni configuration list's ipam";

/** `network create --driver cni`: the `config` option (a list name or a file path), nothing that IPAM owns. */
export function cniSource(opts: CreateNetworkOptions): string {
  if (opts.subnet) throw invalidArgument(`--subnet is not supported with the cni driver: ${IPAM}`);
  if (opts.gateway) throw invalidArgument(`--gateway is not supported with the cni driver: ${IPAM}`);
  if (opts.ipRange) throw invalidArgument(`--ip-range is not supported with the cni driver: ${IPAM}`);
  if (opts.ipv6) throw invalidArgument(`--ipv6 is not supported with the cni driver: ${IPAM}`);
  if (opts.internal) throw invalidArgument('--internal is not supported with the cni driver: its plugins decide what leaves the network');
  const { config, ...rest } = opts.options ?? {};
  for (const k of Object.keys(rest)) throw invalidArgument(`network option ${k} is not supported by the cni driver (it takes config=<list name or file>)`);
  if (!config) throw invalidArgument('the cni driver needs --opt config=<list name or file>');
  return config;
}

/** What a container asks of a CNI network that it cannot give: `--ip`, `--network-alias`, `--mac-address`. */
export function checkCniRequest(network: string, req: { ip?: string; aliases?: string[]; mac?: string }): void {
  if (req.ip) throw invalidArgument(`--ip is not supported on cni network ${network}: ${IPAM}`);
  if (req.aliases?.length) throw invalidArgument(`--network-alias is not supported on cni network ${network}: it has no embedded dns`);
  if (req.mac) throw invalidArgument(`--mac-address is not supported on cni network ${network}`);
}

/** `-p` needs a plugin that publishes ports (one declaring the portMappings capability, e.g. portmap). */
export function checkCniPorts(network: string, list: CniConfList, publishes: boolean): void {
  if (publishes && !hasCapability(list, 'portMappings')) {
    throw invalidArgument(`published ports (-p) need a plugin with the portMappings capability (e.g. portmap) in cni network ${network}`);
  }
}
