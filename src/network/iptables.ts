// Coexistence with dockerd: it sets the iptables (nft backend) `ip filter` FORWARD policy to
// DROP, which would drop what minidock's own forward chain accepts. We insert tagged accept
// rules for our bridges into DOCKER-USER (or FORWARD), check-before-insert, and delete
// exactly those rules when the network goes. Docker's policy and rules are never changed.
import { run } from '../util/exec.js';

/** Rule bodies (after `-I <chain>` / `-D <chain>` / `-C <chain>`) accepting one bridge's traffic. */
export function bridgeAcceptRules(bridge: string, networkName: string): string[][] {
  const comment = ['-m', 'comment', '--comment', `minidock:${networkName}`];
  return [
    ['-i', bridge, ...comment, '-j', 'ACCEPT'],
    ['-o', bridge, ...comment, '-j', 'ACCEPT'],
  ];
}

/** Reads `iptables -S` output: which chain to use, or none when forwarding is not blocked. */
export function pickChain(forwardRules: string | undefined, dockerUserExists: boolean): 'DOCKER-USER' | 'FORWARD' | undefined {
  if (dockerUserExists) return 'DOCKER-USER';
  if (forwardRules && /^-P FORWARD DROP$/m.test(forwardRules)) return 'FORWARD';
  return undefined;
}

/**
 * From `iptables -t filter -S` (the whole table, one call): the chain to use and the rule
 * bodies of `bridgeAcceptRules` missing from it, in the order they must be inserted.
 */
export function missingAcceptRules(tableRules: string | undefined, bridge: string, networkName: string): { chain: 'DOCKER-USER' | 'FORWARD'; rules: string[][] } | undefined {
  if (tableRules === undefined) return undefined;
  const chain = pickChain(tableRules, /^-N DOCKER-USER$/m.test(tableRules));
  if (!chain) return undefined;
  const lines = new Set(tableRules.split('\n').map((l) => l.trim().replace(/"/g, '')));
  // Inserted in reverse so they end up in order at the top.
  const rules = bridgeAcceptRules(bridge, networkName).filter((r) => !lines.has(['-A', chain, ...r].join(' '))).reverse();
  return { chain, rules };
}

async function chainRules(chain: string): Promise<string | undefined> {
  try {
    return (await run('iptables', ['-w', '-t', 'filter', '-S', chain])).stdout;
  } catch {
    return undefined; // no iptables, no such chain, or no filter table: nothing blocks us
  }
}

async function has(chain: string, rule: string[]): Promise<boolean> {
  const r = await run('iptables', ['-w', '-t', 'filter', '-C', chain, ...rule], { okExitCodes: [1, 2] });
  return r.exitCode === 0;
}

/** Ensures the accept rules exist where dockerd would otherwise drop; re-run on every connect. */
export async function ensureBridgeAccepted(bridge: string, networkName: string): Promise<void> {
  const todo = missingAcceptRules(await tableRules(), bridge, networkName);
  for (const rule of todo?.rules ?? []) await run('iptables', ['-w', '-t', 'filter', '-I', todo!.chain, ...rule]);
}

async function tableRules(): Promise<string | undefined> {
  try {
    return (await run('iptables', ['-w', '-t', 'filter', '-S'])).stdout;
  } catch {
    return undefined; // no iptables or no filter table: nothing blocks us
  }
}

/** Deletes our accept rules from both candidate chains; returns the errors met. */
export async function removeBridgeAccepted(bridge: string, networkName: string): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const chain of ['DOCKER-USER', 'FORWARD']) {
    if ((await chainRules(chain)) === undefined) continue;
    for (const rule of bridgeAcceptRules(bridge, networkName)) {
      try {
        while (await has(chain, rule)) await run('iptables', ['-w', '-t', 'filter', '-D', chain, ...rule]);
      } catch (err) {
        errors.push(err);
      }
    }
  }
  return errors;
}
