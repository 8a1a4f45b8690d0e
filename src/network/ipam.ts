// Address allocation inside one subnet. Pure: the caller persists `taken` in the network
// record under a mutex, so an address is never handed out twice, even across restarts.
import { AddressInUse, MinidockError, invalidArgument } from '../errors.js';
import { Cidr, contains, formatCidr, formatIp, last, nth, parseCidr, parseIp, size } from './cidr.js';

/** Default gateway: the first host address, as Docker does. */
export function defaultGateway(subnet: string): string {
  return formatIp(nth(parseCidr(subnet), 1));
}

export function validateGateway(subnet: string, gateway: string): string {
  const c = parseCidr(subnet);
  const g = parseIp(gateway);
  if (!contains(c, g) || g === c.base || g === last(c)) throw invalidArgument(`gateway ${gateway} is not a usable address of subnet ${subnet}`);
  return formatIp(g);
}

function reserved(c: Cidr, ip: number, gateway: number): boolean {
  return ip === c.base || ip === last(c) || ip === gateway;
}

/**
 * Returns the address to give: the requested one if valid and free, else the lowest free
 * host address. `taken` holds addresses already allocated on this network.
 */
export function allocateIp(opts: { network: string; subnet: string; gateway: string; taken: Iterable<string>; requested?: string }): string {
  const c = parseCidr(opts.subnet);
  const gw = parseIp(opts.gateway);
  const taken = new Set([...opts.taken].map(parseIp));
  if (opts.requested) {
    const ip = parseIp(opts.requested);
    if (!contains(c, ip)) throw invalidArgument(`address ${opts.requested} is not in subnet ${formatCidr(c)} of network ${opts.network}`);
    if (reserved(c, ip, gw) || taken.has(ip)) throw new AddressInUse(opts.requested, opts.network);
    return formatIp(ip);
  }
  for (let i = 1; i < size(c) - 1; i++) {
    const ip = nth(c, i);
    if (!reserved(c, ip, gw) && !taken.has(ip)) return formatIp(ip);
  }
  throw new MinidockError('PoolExhausted', `no free address left in subnet ${opts.subnet} of network ${opts.network}`, { status: 409 });
}

/** Docker's MAC scheme: 02:42 followed by the four address bytes. */
export function macForIp(ip: string): string {
  const v = parseIp(ip);
  return ['02', '42', ...[24, 16, 8, 0].map((s) => ((v >>> s) & 255).toString(16).padStart(2, '0'))].join(':');
}
