// Probes the host's IPv4 routes and addresses (one `ip -j` each) for subnet selection.
import type { Runner } from './os.js';
import { usedFromHost, type UsedRange } from './pool.js';

export async function hostUsedRanges(runner: Runner): Promise<UsedRange[]> {
  const routes = JSON.parse((await runner('ip', ['-j', '-4', 'route', 'show', 'table', 'main'])).stdout || '[]');
  const addrs = JSON.parse((await runner('ip', ['-j', '-4', 'addr'])).stdout || '[]');
  return usedFromHost(routes, addrs);
}
