// A recording fake of the network module's OS boundary (src/network/os.ts), in the spirit of
// youki's syscall/test.rs: every command is recorded; links appear and vanish as the `ip`
// commands say; `fail` makes chosen commands fail like the real tools do.
import { ExternalCommandError } from '../../src/errors.js';
import type { HostOs } from '../../src/network/os.js';

export interface Call { cmd: string; args: string[]; input?: string }

export class FakeOs implements HostOs {
  readonly calls: Call[] = [];
  readonly links = new Set<string>();
  readonly sysctls: [string, string][] = [];
  /** Return stderr to make a matching command fail (exit 1), undefined to let it pass. */
  fail: (c: Call) => string | undefined = () => undefined;
  /** stdout of a passing command. */
  stdout: (c: Call) => string = () => '';
  /** Exit code of a command that did not fail: `iptables -C` answers 1, "no such rule". */
  exitCode: (c: Call) => number = (c) => (c.cmd === 'iptables' && c.args.includes('-C') ? 1 : 0);

  run: HostOs['run'] = async (cmd, args, opts = {}) => {
    const call: Call = { cmd, args: [...args], input: opts.input };
    this.calls.push(call);
    const stderr = this.fail(call);
    if (stderr !== undefined) throw new ExternalCommandError(cmd, [...args], 1, stderr, 'failed');
    const exitCode = this.exitCode(call);
    if (exitCode !== 0 && !opts.okExitCodes?.includes(exitCode)) throw new ExternalCommandError(cmd, [...args], exitCode, '', 'failed');
    this.apply(call);
    return { stdout: this.stdout(call), stderr: '', exitCode };
  };

  linkExists = (name: string) => this.links.has(name);
  netnsExists = () => true;
  /** bridge -> enslaved interfaces (none unless a test says so). */
  readonly brif = new Map<string, string[]>();
  bridgePorts = (bridge: string) => this.brif.get(bridge) ?? [];
  sysctl = async (key: string, value: string) => { this.sysctls.push([key, value]); this.sysctlValues.set(key, value); this.absentSysctls.delete(key); };
  /** Current values (as /proc/sys would read); unset keys read as '0'. */
  readonly sysctlValues = new Map<string, string>();
  readSysctl = async (key: string) => (this.absentSysctls.has(key) ? undefined : this.sysctlValues.get(key) ?? '0');
  /** Keys whose /proc/sys file does not exist (a module not loaded) until a sysctl write. */
  readonly absentSysctls = new Set<string>();
  /** States a port reports, one per look (the last repeats); a link without a script forwards. */
  readonly portStates = new Map<string, (number | undefined)[]>();
  bridgePortState = async (name: string) => {
    const script = this.portStates.get(name);
    if (!script) return this.links.has(name) ? 3 : undefined;
    return script.length > 1 ? script.shift() : script[0];
  };
  /** Waits asked for, in ms (they resolve at once). */
  readonly delays: number[] = [];
  delay = async (ms: number) => { this.delays.push(ms); };

  /** The commands as one line each (`ip link del x`, `nft -f - <first line of input>`). */
  lines(): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(' ') + (c.input ? ` <<< ${c.input.trim().split('\n').join(' | ')}` : ''));
  }

  private apply(c: Call): void {
    const script = c.input ?? '';
    const ipArgs = c.cmd === 'ip' ? c.args : [];
    for (const m of script.matchAll(/^link add name (\S+) type (?:bridge|veth)/gm)) this.links.add(m[1]);
    if (ipArgs[0] === 'link' && ipArgs[1] === 'del') this.links.delete(ipArgs[2]);
  }
}
