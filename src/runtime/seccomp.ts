// Seccomp profiles in docker's JSON format (moby profiles/seccomp, also read by podman):
// parsed and validated here, then resolved for one architecture, kernel and capability set
// into the rules text the shim loads with libseccomp (shim/seccomp.c). The rules text is the
// one wire format between the two; its codec is compileSeccomp (writer) and seccomp.c (reader):
//
//   minidock-seccomp 1
//   default <action>              action: allow | errno:<n> | trace:<n> | kill_thread | kill_process | trap | log
//   arch <libseccomp arch name>   x86_64, x86, x32, aarch64, ... (repeated)
//   flag <log|spec_allow>         (repeated, optional)
//   rule <syscall> <action> [<index>:<op>:<value>:<valueTwo> ...]
//                                 op: ne lt le eq ge gt masked_eq; conditions of one rule are ANDed
//
// A rule whose action equals the default is left out (libseccomp refuses it; it changes nothing).
import fs from 'node:fs/promises';
import os from 'node:os';
import { invalidArgument } from '../errors.js';

/** docker's default profile: moby's profiles/seccomp/default.json, taken from Debian's
 * golang-github-docker-docker-dev by scripts/install-deps.sh. */
export const DEFAULT_SECCOMP_PROFILE = '/usr/share/minidock/seccomp/default.json';

export interface SeccompArg { index: number; value: number; valueTwo: number; op: SeccompOp }
export interface SeccompFilter { caps: string[]; arches: string[]; minKernel?: string }
export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args: SeccompArg[];
  includes: SeccompFilter;
  excludes: SeccompFilter;
}
export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** SCMP_ARCH_* names of a profile's `architectures` (old format). */
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  flags: string[];
  syscalls: SeccompSyscall[];
}

const ACTIONS = {
  SCMP_ACT_ALLOW: 'allow',
  SCMP_ACT_ERRNO: 'errno',
  SCMP_ACT_TRACE: 'trace',
  SCMP_ACT_KILL: 'kill_thread',
  SCMP_ACT_KILL_THREAD: 'kill_thread',
  SCMP_ACT_KILL_PROCESS: 'kill_process',
  SCMP_ACT_TRAP: 'trap',
  SCMP_ACT_LOG: 'log',
} as const;
export type SeccompAction = keyof typeof ACTIONS;

const OPS = {
  SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le', SCMP_CMP_EQ: 'eq',
  SCMP_CMP_GE: 'ge', SCMP_CMP_GT: 'gt', SCMP_CMP_MASKED_EQ: 'masked_eq',
} as const;
export type SeccompOp = keyof typeof OPS;

const FLAGS: Record<string, string> = { SECCOMP_FILTER_FLAG_LOG: 'log', SECCOMP_FILTER_FLAG_SPEC_ALLOW: 'spec_allow' };

/** libseccomp's architectures (SCMP_ARCH_<upper-case name>). */
const SCMP_ARCHES = ['x86', 'x86_64', 'x32', 'arm', 'aarch64', 'mips', 'mipsel', 'mips64', 'mipsel64', 'mips64n32',
  'mipsel64n32', 'ppc', 'ppc64', 'ppc64le', 's390', 's390x', 'parisc', 'parisc64', 'riscv64'];

/** Machine names (uname -m style) → docker's arch word in includes/excludes.arches and the
 * native SCMP_ARCH_* that selects an archMap entry. */
const MACHINES: Record<string, { docker: string; scmp: string }> = {
  x86_64: { docker: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  aarch64: { docker: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
  x86: { docker: 'x86', scmp: 'SCMP_ARCH_X86' },
  arm: { docker: 'arm', scmp: 'SCMP_ARCH_ARM' },
  ppc64le: { docker: 'ppc64le', scmp: 'SCMP_ARCH_PPC64LE' },
  s390x: { docker: 's390x', scmp: 'SCMP_ARCH_S390X' },
  riscv64: { docker: 'riscv64', scmp: 'SCMP_ARCH_RISCV64' },
};

/** This machine's name for compileSeccomp, from Node's process.arch. */
export function hostSeccompArch(arch: string = process.arch): string {
  const m = ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'x86', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch];
  if (!m) throw invalidArgument(`seccomp is not supported on architecture ${arch}`);
  return m;
}

// ---------- parsing and validation ----------

type Json = Record<string, unknown>;

class Checker {
  constructor(private readonly source: string) {}
  fail(where: string, what: string): never {
    throw invalidArgument(`seccomp profile ${this.source}: ${where}: ${what}`);
  }
  object(v: unknown, where: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'must be an object');
    return v as Json;
  }
  /** Refuses fields nobody reads here (an ignored field would be a silent lie). */
  fields(o: Json, where: string, known: string[]): void {
    for (const k of Object.keys(o)) if (!known.includes(k)) this.fail(where ? `${where}.${k}` : k, 'unknown or unsupported field');
  }
  strings(v: unknown, where: string): string[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(where, 'must be a list of strings');
    return v as string[];
  }
  uint(v: unknown, where: string, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) this.fail(where, `must be an integer from 0 to ${max} (got ${JSON.stringify(v)})`);
    return v;
  }
}

/** errnoRet, or the errno name podman's profiles carry beside it (`errno: "EPERM"`). */
function errnoOf(c: Checker, o: Json, where: string, retKey: string, nameKey: string): number | undefined {
  const ret = o[retKey] === undefined || o[retKey] === null ? undefined : c.uint(o[retKey], `${where}${retKey}`, 4095);
  if (o[nameKey] === undefined || o[nameKey] === '') return ret;
  const name = o[nameKey];
  const byName = typeof name === 'string' ? (os.constants.errno as Record<string, number>)[name] : undefined;
  if (byName === undefined) c.fail(`${where}${nameKey}`, `unknown errno name ${JSON.stringify(name)}`);
  if (ret !== undefined && ret !== byName) c.fail(`${where}${nameKey}`, `${name} is ${byName}, but ${retKey} says ${ret}`);
  return byName;
}

function action(c: Checker, v: unknown, where: string): SeccompAction {
  if (v === 'SCMP_ACT_NOTIFY') c.fail(where, 'SCMP_ACT_NOTIFY is not supported (no seccomp agent)');
  if (typeof v !== 'string' || !(v in ACTIONS)) c.fail(where, `unknown action ${JSON.stringify(v)} (expected one of ${Object.keys(ACTIONS).join(', ')})`);
  return v as SeccompAction;
}

function scmpArch(c: Checker, v: unknown, where: string): string {
  const name = typeof v === 'string' && v.startsWith('SCMP_ARCH_') ? v.slice('SCMP_ARCH_'.length).toLowerCase() : '';
  if (!SCMP_ARCHES.includes(name)) c.fail(where, `unknown architecture ${JSON.stringify(v)}`);
  return v as string;
}

function kernelVersion(c: Checker, v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^\d{1,3}\.\d{1,3}$/.test(v) || /^0+\.0+$/.test(v)) c.fail(where, `invalid kernel version ${JSON.stringify(v)}, expected "<kernel>.<major>"`);
  return v;
}

function filter(c: Checker, v: unknown, where: string): SeccompFilter {
  if (v === undefined || v === null) return { caps: [], arches: [] };
  const o = c.object(v, where);
  c.fields(o, where, ['caps', 'arches', 'minKernel']);
  const caps = c.strings(o.caps, `${where}.caps`);
  caps.forEach((cap, i) => { if (!/^CAP_[A-Z_]+$/.test(cap)) c.fail(`${where}.caps[${i}]`, `invalid capability ${JSON.stringify(cap)}`); });
  const out: SeccompFilter = { caps, arches: c.strings(o.arches, `${where}.arches`) };
  if (o.minKernel !== undefined && o.minKernel !== '') out.minKernel = kernelVersion(c, o.minKernel, `${where}.minKernel`);
  return out;
}

function syscall(c: Checker, v: unknown, where: string): SeccompSyscall {
  const o = c.object(v, where);
  c.fields(o, where, ['name', 'names', 'action', 'errnoRet', 'errno', 'args', 'comment', 'includes', 'excludes']);
  if (o.name !== undefined && o.names !== undefined) c.fail(where, "both 'name' and 'names' are given, use either 'name' or 'names'");
  const names = o.name !== undefined ? c.strings([o.name], `${where}.name`) : c.strings(o.names, `${where}.names`);
  if (names.length === 0) c.fail(where, "no syscall named ('names' is empty)");
  names.forEach((n, i) => { if (!/^[a-z0-9_]+$/.test(n)) c.fail(`${where}.names[${i}]`, `invalid syscall name ${JSON.stringify(n)}`); });
  const act = action(c, o.action, `${where}.action`);
  const errnoRet = errnoOf(c, o, `${where}.`, 'errnoRet', 'errno');
  if (errnoRet !== undefined && act !== 'SCMP_ACT_ERRNO' && act !== 'SCMP_ACT_TRACE') c.fail(`${where}.errnoRet`, `only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${act}`);
  const argList = o.args === undefined || o.args === null ? [] : o.args;
  if (!Array.isArray(argList)) c.fail(`${where}.args`, 'must be a list');
  const args = argList.map((a, i): SeccompArg => {
    const w = `${where}.args[${i}]`;
    const ao = c.object(a, w);
    c.fields(ao, w, ['index', 'value', 'valueTwo', 'op']);
    if (typeof ao.op !== 'string' || !(ao.op in OPS)) c.fail(`${w}.op`, `unknown operator ${JSON.stringify(ao.op)} (expected one of ${Object.keys(OPS).join(', ')})`);
    return {
      index: c.uint(ao.index, `${w}.index`, 5),
      // JSON numbers past 2^53 lose their exact value in JavaScript: refused rather than rounded
      value: c.uint(ao.value ?? 0, `${w}.value`, Number.MAX_SAFE_INTEGER),
      valueTwo: c.uint(ao.valueTwo ?? 0, `${w}.valueTwo`, Number.MAX_SAFE_INTEGER),
      op: ao.op as SeccompOp,
    };
  });
  return { names, action: act, ...(errnoRet !== undefined ? { errnoRet } : {}), args, includes: filter(c, o.includes, `${where}.includes`), excludes: filter(c, o.excludes, `${where}.excludes`) };
}

/** Parses and validates a docker-format profile; errors name `source` and the field at fault. */
export function parseSeccompProfile(text: string, source: string): SeccompProfile {
  const c: Checker = new Checker(source);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`seccomp profile ${source}: not valid JSON: ${(err as Error).message}`);
  }
  const o = c.object(raw, '(top level)');
  c.fields(o, '', ['defaultAction', 'defaultErrnoRet', 'defaultErrno', 'architectures', 'archMap', 'flags', 'syscalls']);
  if (o.defaultAction === undefined) c.fail('defaultAction', 'missing');
  const profile: SeccompProfile = { defaultAction: action(c, o.defaultAction, 'defaultAction'), flags: [], syscalls: [] };
  const defaultErrnoRet = errnoOf(c, o, '', 'defaultErrnoRet', 'defaultErrno');
  if (defaultErrnoRet !== undefined) {
    if (profile.defaultAction !== 'SCMP_ACT_ERRNO' && profile.defaultAction !== 'SCMP_ACT_TRACE') c.fail('defaultErrnoRet', `only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${profile.defaultAction}`);
    profile.defaultErrnoRet = defaultErrnoRet;
  }
  if (o.architectures !== undefined && o.archMap !== undefined) c.fail('architectures', "both 'architectures' and 'archMap' are given, use either 'architectures' or 'archMap'");
  if (o.architectures !== undefined) profile.architectures = c.strings(o.architectures, 'architectures').map((a, i) => scmpArch(c, a, `architectures[${i}]`));
  if (o.archMap !== undefined && o.archMap !== null) {
    if (!Array.isArray(o.archMap)) c.fail('archMap', 'must be a list');
    profile.archMap = o.archMap.map((m, i) => {
      const mo = c.object(m, `archMap[${i}]`);
      c.fields(mo, `archMap[${i}]`, ['architecture', 'subArchitectures']);
      return {
        architecture: scmpArch(c, mo.architecture, `archMap[${i}].architecture`),
        subArchitectures: c.strings(mo.subArchitectures, `archMap[${i}].subArchitectures`).map((a, j) => scmpArch(c, a, `archMap[${i}].subArchitectures[${j}]`)),
      };
    });
  }
  profile.flags = c.strings(o.flags, 'flags');
  profile.flags.forEach((f, i) => { if (!(f in FLAGS)) c.fail(`flags[${i}]`, `unsupported flag ${JSON.stringify(f)} (supported: ${Object.keys(FLAGS).join(', ')})`); });
  const list = o.syscalls ?? [];
  if (!Array.isArray(list)) c.fail('syscalls', 'must be a list');
  profile.syscalls = list.map((s, i) => syscall(c, s, `syscalls[${i}]`));
  return profile;
}

/** Reads and validates a profile file (default: docker's own default profile). */
export async function loadSeccompProfile(file: string = DEFAULT_SECCOMP_PROFILE): Promise<SeccompProfile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw invalidArgument(`seccomp profile ${file}: cannot read it: ${e.code === 'ENOENT' ? 'no such file' : e.message}${file === DEFAULT_SECCOMP_PROFILE ? ' (installed by scripts/install-deps.sh)' : ''}`);
  }
  return parseSeccompProfile(text, file);
}

// ---------- resolution for one container ----------

export interface CompileOptions {
  /** Machine name as hostSeccompArch() gives it (x86_64, aarch64, ...). */
  arch: string;
  /** The container's capabilities (bounding set), `CAP_SYS_ADMIN` or `SYS_ADMIN`. */
  capabilities: string[];
  /** Kernel release (uname -r) for minKernel; default this host's. */
  kernel?: string;
}

function kernelAtLeast(release: string, min: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw invalidArgument(`cannot parse kernel release ${JSON.stringify(release)} for seccomp minKernel`);
  const [k, j] = min.split('.').map(Number);
  return Number(m[1]) > k || (Number(m[1]) === k && Number(m[2]) >= j);
}

function actionToken(a: SeccompAction, errnoRet: number | undefined): string {
  const word = ACTIONS[a];
  // docker/runc: ERRNO and TRACE without errnoRet return EPERM
  return word === 'errno' || word === 'trace' ? `${word}:${errnoRet ?? 1}` : word;
}

const argToken = (a: SeccompArg) => `${a.index}:${OPS[a.op]}:${a.value}:${a.valueTwo}`;

/** Resolves `profile` for one architecture, kernel and capability set, as docker does
 * (includes/excludes by caps, arches and minKernel; archMap by the native arch), into the
 * rules text the shim loads. Arguments of one syscall entry are ANDed, unless several test the
 * same argument: then each becomes a rule of its own (ORed), as runc does. */
export function compileSeccomp(profile: SeccompProfile, opts: CompileOptions): string {
  const machine = MACHINES[opts.arch];
  if (!machine) throw invalidArgument(`seccomp: unsupported architecture ${opts.arch} (supported: ${Object.keys(MACHINES).join(', ')})`);
  const caps = new Set(opts.capabilities.map((cap) => (cap.toUpperCase().startsWith('CAP_') ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`)));
  const kernel = opts.kernel ?? os.release();
  const defaultAction = actionToken(profile.defaultAction, profile.defaultErrnoRet);
  let arches: string[] = profile.architectures ?? [];
  const entry = profile.archMap?.find((m) => m.architecture === machine.scmp);
  if (entry) arches = [entry.architecture, ...entry.subArchitectures];
  const lines = ['minidock-seccomp 1', `default ${defaultAction}`];
  for (const a of new Set(arches)) lines.push(`arch ${a.slice('SCMP_ARCH_'.length).toLowerCase()}`);
  for (const f of profile.flags) lines.push(`flag ${FLAGS[f]}`);
  for (const s of profile.syscalls) {
    const { includes: inc, excludes: exc } = s;
    if (exc.arches.includes(machine.docker)) continue;
    if (exc.caps.some((cap) => caps.has(cap))) continue;
    if (exc.minKernel && kernelAtLeast(kernel, exc.minKernel)) continue;
    if (inc.arches.length > 0 && !inc.arches.includes(machine.docker)) continue;
    if (!inc.caps.every((cap) => caps.has(cap))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    const act = actionToken(s.action, s.errnoRet);
    if (act === defaultAction) continue;
    const indexes = s.args.map((a) => a.index);
    const sameArgTwice = new Set(indexes).size !== indexes.length;
    const condSets = sameArgTwice ? s.args.map((a) => [a]) : [s.args];
    for (const name of s.names) {
      for (const conds of condSets) lines.push(['rule', name, act, ...conds.map(argToken)].join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The rules for a container from docker's `--security-opt seccomp=` value as the API carries
 * it (`unconfined`, or the profile's JSON text: the CLI sends the file's contents), or from
 * the default profile when `option` is undefined. null = no filter. */
export async function seccompRules(option: string | undefined, opts: CompileOptions): Promise<string | null> {
  if (option === 'unconfined') return null;
  const profile = option === undefined ? await loadSeccompProfile() : parseSeccompProfile(option, '(from --security-opt)');
  return compileSeccomp(profile, opts);
}
