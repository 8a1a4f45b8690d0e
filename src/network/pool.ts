// Subnet selection for new networks: Docker's default pools, skipping every range that is
// already routed or addressed on the host or used by another minidock network.
import { Cidr, formatCidr, overlaps, parseCidr } from './cidr.js';
import { MinidockError, SubnetOverlap } from '../errors.js';

/** A range in use, and a human name for error messages ("route 10.0.0.0/8 dev eth0"). */
export interface UsedRange { cidr: Cidr; what: string }

/** docker0's subnet. dockerd creates docker0 there without looking at other bridges (seen on
 * this host: both bridges on 172.17.0.0/16, neither reachable), so minidock never takes it, even
 * while docker0 is absent: docker may be installed or started later. */
export const DOCKER0_SUBNET = '172.17.0.0/16';

/** Candidate subnets in order: 172.17-31.0.0/16, then 192.168.0.0/20 steps. */
export function* candidateSubnets(): Generator<string> {
  for (let b = 17; b <= 31; b++) yield `172.${b}.0.0/16`;
  for (let c = 0; c < 256; c += 16) yield `192.168.${c}.0/20`;
}

export function firstOverlap(cidr: Cidr, used: readonly UsedRange[]): UsedRange | undefined {
  return used.find((u) => overlaps(cidr, u.cidr));
}

/** Picks the first free candidate after docker0's subnet (the default bridge included). */
export function pickSubnet(used: readonly UsedRange[]): string {
  for (const candidate of candidateSubnets()) {
    if (candidate === DOCKER0_SUBNET) continue;
    if (!firstOverlap(parseCidr(candidate), used)) return candidate;
  }
  throw new MinidockError('PoolExhausted', 'could not find an available, non-overlapping ipv4 address pool among the defaults to assign to the network', { status: 409 });
}

/** Validates an explicit `--subnet` against everything in use. */
export function checkSubnet(subnet: string, used: readonly UsedRange[]): Cidr {
  const cidr = parseCidr(subnet);
  const hit = firstOverlap(cidr, used);
  if (hit) throw new SubnetOverlap(formatCidr(cidr), hit.what);
  return cidr;
}

interface IpRoute { dst?: string; dev?: string; type?: string }
interface IpAddrInfo { ifname?: string; addr_info?: { family?: string; local?: string; prefixlen?: number }[] }

/** Turns `ip -j -4 route` and `ip -j -4 addr` output into used ranges (default routes ignored). */
export function usedFromHost(routes: IpRoute[], addrs: IpAddrInfo[]): UsedRange[] {
  const used: UsedRange[] = [];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    try {
      used.push({ cidr: parseCidr(dst, true), what: `route ${dst}${r.dev ? ` dev ${r.dev}` : ''}` });
    } catch { /* non-ipv4 or odd entries are not ours to judge */ }
  }
  for (const link of addrs) {
    for (const a of link.addr_info ?? []) {
      if (a.family && a.family !== 'inet') continue;
      if (!a.local || a.prefixlen === undefined) continue;
      const text = `${a.local}/${a.prefixlen}`;
      try {
        used.push({ cidr: parseCidr(text, true), what: `address ${text} on ${link.ifname ?? '?'}` });
      } catch { /* an address that is not plain ipv4 is not ours to judge */ }
    }
  }
  return used;
}
