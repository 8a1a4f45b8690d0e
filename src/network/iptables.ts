// Coexistence with dockerd: it sets the iptables (nft backend) `ip filter` FORWARD policy to
// DROP, which would drop what minidock's own forward chain accepts. We insert tagged accept
// rules for our bridges into DOCKER-USER (or FORWARD), check-before-insert, and delete
// exactly those rules when the network goes. Docker's policy and rules are never changed.
import { ExternalCommandError } from '../errors.js';
import { run } from '../util/exec.js';
import type { Runner } from './os.js';

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

/** iptables absent, or no filter table / no such chain (a non-zero exit): nothing of dockerd blocks us. */
const absent = (err: unknown) => err instanceof ExternalCommandError && err.reason !== 'timeout';

async function chainRules(chain: string, runner: Runner): Promise<string | undefined> {
  try {
    return (await runner('iptables', ['-w', '-t', 'filter', '-S', chain])).stdout;
  } catch (err) {
    if (absent(err)) return undefined;
    throw err;
  }
}

async function has(chain: string, rule: string[], runner: Runner): Promise<boolean> {
  const r = await runner('iptables', ['-w', '-t', 'filter', '-C', chain, ...rule], { okExitCodes: [1, 2] });
  return r.exitCode === 0;
}

/** Ensures the accept rules exist where dockerd would otherwise drop; re-run on every connect. */
export async function ensureBridgeAccepted(bridge: string, networkName: string, runner: Runner = run): Promise<void> {
  const todo = missingAcceptRules(await tableRules(runner), bridge, networkName);
  for (const rule of todo?.rules ?? []) await runner('iptables', ['-w', '-t', 'filter', '-I', todo!.chain, ...rule]);
}

async function tableRules(runner: Runner): Promise<string | undefined> {
  try {
    return (await runner('iptables', ['-w', '-t', 'filter', '-S'])).stdout;
  } catch (err) {
    if (absent(err)) return undefined;
    throw err;
  }
}

/** Deletes our accept rules from both candidate chains, going on past failures; returns the errors met. */
export async function removeBridgeAccepted(bridge: string, networkName: string, runner: Runner = run): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const chain of ['DOCKER-USER', 'FORWARD']) {
    let rules: string | undefined;
    try {
      rules = await chainRules(chain, runner);
    } catch (err) {
      errors.push(err);
      continue;
    }
    if (rules === undefined) continue;
    for (const rule of bridgeAcceptRules(bridge, networkName)) {
      try {
        while (await has(chain, rule, runner)) await runner('iptables', ['-w', '-t', 'filter', '-D', chain, ...rule]);
      } catch (err) {
        errors.push(err);
      }
    }
  }
  return errors;
}
