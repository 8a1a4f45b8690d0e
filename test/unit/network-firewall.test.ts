// The firewall and iptables runners against a recorded, fake exec boundary.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ExternalCommandError } from '../../src/errors.js';

const calls: { cmd: string; args: string[]; input?: string }[] = [];
let answer: (cmd: string, args: string[], input?: string) => { stdout?: string; exitCode?: number } | Error = () => ({});

vi.mock('../../src/util/exec.js', () => ({
  run: async (cmd: string, args: string[], opts: { input?: string; okExitCodes?: number[] } = {}) => {
    calls.push({ cmd, args, input: opts.input });
    const r = answer(cmd, args, opts.input);
    if (r instanceof Error) throw r;
    const exitCode = r.exitCode ?? 0;
    if (exitCode !== 0 && !opts.okExitCodes?.includes(exitCode)) throw new ExternalCommandError(cmd, args, exitCode, 'failed', 'failed');
    return { stdout: r.stdout ?? '', stderr: '', exitCode };
  },
}));

const { Firewall, RECHECK_TTL_MS } = await import('../../src/network/firewall.js');
const { ensureBridgeAccepted, removeBridgeAccepted } = await import('../../src/network/iptables.js');

const nftErr = (stderr: string) => new ExternalCommandError('nft', ['-f', '-'], 1, stderr, 'failed');

beforeEach(() => {
  calls.length = 0;
  answer = () => ({});
});

describe('Firewall.remove', () => {
  it('sends one batch when everything is there', async () => {
    const fw = new Firewall('t');
    expect(await fw.removePorts([{ hostIp: '', hostPort: 1, proto: 'tcp', containerIp: '10.0.0.2', containerPort: 2, owner: 'x' }])).toEqual([]);
    expect(calls).toEqual([{ cmd: 'nft', args: ['-f', '-'], input: 'delete element ip t dnat_any { tcp . 1 }\n' }]);
  });

  it('goes on statement by statement, ignoring what is already gone and reporting the rest', async () => {
    answer = (_c, _a, input) => {
      if (input?.includes('\n') && input.trim().includes('\n')) return nftErr('Error: Could not process rule: No such file or directory');
      if (input?.includes('fwd_in')) return nftErr('Error: Could not process rule: No such file or directory');
      if (input?.includes('_post')) return nftErr('Error: Could not process rule: Device or resource busy');
      return {};
    };
    const fw = new Firewall('t');
    const errors = await fw.remove(['delete element ip t fwd_in { "b" }', 'delete chain ip t nw_x_post', 'delete chain ip t nw_x_in']);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as ExternalCommandError).stderr)).toContain('busy');
    expect(calls.map((c) => c.input)).toEqual([
      'delete element ip t fwd_in { "b" }\ndelete chain ip t nw_x_post\ndelete chain ip t nw_x_in\n',
      'delete element ip t fwd_in { "b" }\n',
      'delete chain ip t nw_x_post\n',
      'delete chain ip t nw_x_in\n',
    ]);
  });
});

describe('dockerd coexistence', () => {
  it('does nothing when forwarding is not blocked', async () => {
    answer = () => ({ stdout: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n' });
    await ensureBridgeAccepted('md-1', 'web');
    expect(calls).toEqual([{ cmd: 'iptables', args: ['-w', '-t', 'filter', '-S'], input: undefined }]);
  });

  it('does nothing when iptables has no filter table', async () => {
    answer = () => ({ exitCode: 1 });
    await ensureBridgeAccepted('md-1', 'web');
    expect(calls.some((c) => c.args.includes('-I'))).toBe(false);
  });

  it('inserts only the missing rules into DOCKER-USER after one table dump', async () => {
    answer = (_cmd, args) => (args.includes('-S')
      ? { stdout: '-P FORWARD DROP\n-N DOCKER-USER\n-A DOCKER-USER -o md-1 -m comment --comment "minidock:web" -j ACCEPT\n' }
      : {});
    await ensureBridgeAccepted('md-1', 'web');
    expect(calls).toEqual([
      { cmd: 'iptables', args: ['-w', '-t', 'filter', '-S'], input: undefined },
      { cmd: 'iptables', args: ['-w', '-t', 'filter', '-I', 'DOCKER-USER', '-i', 'md-1', '-m', 'comment', '--comment', 'minidock:web', '-j', 'ACCEPT'], input: undefined },
    ]);
  });

  it('deletes exactly its own rules from both chains', async () => {
    const present = new Map<string, number>([['DOCKER-USER -i', 1], ['FORWARD -o', 1]]);
    answer = (_cmd, args) => {
      if (args.includes('-S')) return { stdout: '' };
      const key = `${args[4]} ${args[5]}`;
      if (args.includes('-C')) return { exitCode: (present.get(key) ?? 0) > 0 ? 0 : 1 };
      if (args.includes('-D')) present.set(key, (present.get(key) ?? 0) - 1);
      return {};
    };
    expect(await removeBridgeAccepted('md-1', 'web')).toEqual([]);
    const deletes = calls.filter((c) => c.args.includes('-D')).map((c) => c.args.slice(4, 7).join(' '));
    expect(deletes).toEqual(['DOCKER-USER -i md-1', 'FORWARD -o md-1']);
  });
});

describe('Firewall.recheckNetwork', () => {
  const net = { key: 'k', name: 'web', bridge: 'md-1', subnet: '10.0.0.0/24', internal: false };
  it('trusts a passed check for RECHECK_TTL_MS, then checks again', async () => {
    let now = 1000;
    const fw = new Firewall('t', () => now);
    answer = () => ({ stdout: '-P FORWARD ACCEPT\n' });
    const dumps = () => calls.filter((c) => c.args.includes('-S')).length;
    await fw.recheckNetwork(net);
    now += RECHECK_TTL_MS - 1;
    await fw.recheckNetwork(net);
    expect(dumps()).toBe(1);
    now += 1;
    await fw.recheckNetwork(net);
    expect(dumps()).toBe(2);
  });
  it('does not trust a check that failed, nor one of a removed network', async () => {
    const fw = new Firewall('t', () => 5);
    answer = (_c, args) => (args.includes('-S') ? { stdout: '-P FORWARD DROP\n' } : new Error('iptables broke'));
    await expect(fw.recheckNetwork(net)).rejects.toThrow('iptables broke');
    answer = (_c, args) => (args.includes('-C') ? { exitCode: 1 } : { stdout: '-P FORWARD ACCEPT\n' });
    await fw.recheckNetwork(net);
    await fw.removeNetwork(net);
    calls.length = 0;
    await fw.recheckNetwork(net);
    expect(calls.filter((c) => c.args.includes('-S'))).toHaveLength(1);
  });
});
