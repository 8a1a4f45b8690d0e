// Contents of the container's /etc/hostname and /etc/hosts (pure; the engine writes them).
import { isIP } from 'node:net';
import { invalidArgument } from '../errors.js';

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** `--add-host` entry (`name:ip`, docker's `name=ip` too): ip may be `host-gateway`, or an IPv6 address in brackets. */
export interface ExtraHost { name: string; ip: string }

export const HOST_GATEWAY = 'host-gateway';

/** docker's opts.ValidateExtraHost, messages included. */
export function parseExtraHost(entry: string): ExtraHost {
  const eq = entry.indexOf('=');
  const colon = entry.indexOf(':');
  const cut = eq >= 0 ? eq : colon;
  const name = cut < 0 ? '' : entry.slice(0, cut);
  if (cut < 0 || name === '') throw invalidArgument(`bad format for add-host: "${entry}"`);
  let ip = entry.slice(cut + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== HOST_GATEWAY && !isIP(ip)) throw invalidArgument(`invalid IP address in add-host: "${ip}"`);
  return { name, ip };
}

/** `--add-host` lines (`ip\tname`), `host-gateway` given as `gateway`. */
export function extraHostLines(entries: string[], gateway: string | undefined): string[] {
  return entries.map(parseExtraHost).map(({ name, ip }) => {
    if (ip !== HOST_GATEWAY) return `${ip}\t${name}`;
    if (!gateway) throw invalidArgument(`unable to derive the IP value for host-gateway (add-host "${name}")`);
    return `${gateway}\t${name}`;
  });
}

/** docker's default /etc/hosts, the `--add-host` lines (already resolved, extraHostLines),
 * then one line per container address naming the hostname (libnetwork's order). */
export function hostsFile(hostname: string, ips: string[], extra: string[] = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...extra,
    ...ips.map((ip) => `${ip}\t${hostname}`),
  ];
  return lines.join('\n') + '\n';
}
