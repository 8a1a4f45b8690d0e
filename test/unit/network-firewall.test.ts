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

const { Firewall } = await import('../../src/network/firewall.js');
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
    answer = (cmd, args) => (args.includes('DOCKER-USER') ? { exitCode: 1 } : { stdout: '-P FORWARD ACCEPT\n' });
    await ensureBridgeAccepted('md-1', 'web');
    expect(calls.some((c) => c.args.includes('-I'))).toBe(false);
  });

  it('inserts missing rules into DOCKER-USER, checking first', async () => {
    const present = new Set<string>(['-o md-1']);
    answer = (_cmd, args) => {
      if (args.includes('-S')) return { stdout: args.includes('FORWARD') ? '-P FORWARD DROP\n' : '-N DOCKER-USER\n' };
      if (args.includes('-C')) return { exitCode: present.has(`${args[5]} ${args[6]}`) ? 0 : 1 };
      return {};
    };
    await ensureBridgeAccepted('md-1', 'web');
    const inserts = calls.filter((c) => c.args.includes('-I'));
    expect(inserts).toEqual([{ cmd: 'iptables', args: ['-w', '-t', 'filter', '-I', 'DOCKER-USER', '-i', 'md-1', '-m', 'comment', '--comment', 'minidock:web', '-j', 'ACCEPT'], input: undefined }]);
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
