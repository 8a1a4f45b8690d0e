// Contents of a container's /etc/resolv.conf, following Docker's rules. Pure.
import type { Upstream } from './dns/server.js';

export interface HostResolv { nameservers: string[]; search: string[]; options: string[] }

export function parseResolvConf(text: string): HostResolv {
  const out: HostResolv = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if ((key === 'search' || key === 'domain') && rest.length) out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

/** Docker's fallback when the host offers nothing usable. */
export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

const isLoopback = (ns: string) => ns.startsWith('127.') || ns === '::1';

function render(nameservers: string[], host: HostResolv): string {
  const lines: string[] = [];
  if (host.search.length) lines.push(`search ${host.search.join(' ')}`);
  for (const ns of nameservers) lines.push(`nameserver ${ns}`);
  if (host.options.length) lines.push(`options ${host.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Default bridge: the host's file minus loopback resolvers (unreachable from the container). */
export function defaultBridgeResolvConf(host: HostResolv): string {
  const ns = host.nameservers.filter((n) => !isLoopback(n) && !n.includes(':'));
  return render(ns.length ? ns : FALLBACK_NAMESERVERS, host);
}

/** User networks: the embedded server on the gateway, keeping the host's search and options. */
export function userNetworkResolvConf(gateway: string, host: HostResolv): string {
  return render([gateway], host);
}

/** The user's `--dns`, `--dns-search`, `--dns-option` over a container's resolv.conf: each
 * given list replaces its part, as docker's; `--dns-search .` means no search domains. */
export function withUserResolv(text: string, o: { dns?: string[] | null; search?: string[] | null; options?: string[] | null }): string {
  const base = parseResolvConf(text);
  const search = o.search?.length ? o.search.filter((d) => d !== '.') : base.search;
  return render(o.dns?.length ? o.dns : base.nameservers, { nameservers: [], search, options: o.options?.length ? o.options : base.options });
}

/** Resolvers the embedded server forwards to (it runs on the host, so 127.x ones work too). */
export function upstreamsOf(host: HostResolv): Upstream[] {
  return host.nameservers.filter((n) => !n.includes(':')).map((host) => ({ host, port: 53 }));
}
