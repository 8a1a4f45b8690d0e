// A container's privileges from its HostConfig, as dockerd computes them: docker's default
// capabilities with --cap-add/--cap-drop (`ALL`, with or without `CAP_`), --privileged (every
// capability, no seccomp, no masked or read-only paths), --security-opt no-new-privileges and
// seccomp=unconfined|<profile>. The same in every network and user-namespace mode: host
// networking or --userns=host never means full root. Execs get the container's set.
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../errors.js';
import { ALL_CAPABILITIES, CAPABILITY_NUMBERS } from '../runtime/security/capabilities.js';
import { DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../runtime/security/defaults.js';
import { hostSeccompArch, seccompRules } from '../runtime/seccomp.js';
import type { ContainerSecurity } from '../runtime/types.js';

export interface SecurityConfig {
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  SecurityOpt?: string[] | null;
}

/** `chown`, `CAP_CHOWN`, `Chown` → `CAP_CHOWN`; `ALL` stays; anything else is refused. */
export function normaliseCap(name: string): string {
  const upper = name.toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!(cap in CAPABILITY_NUMBERS)) throw invalidArgument(`invalid capability: ${name}`); // was unknown
  return cap;
}

/** The engine's own bounding set: no container can hold more (a new user namespace keeps it). */
export function hostBoundingSet(status: string = readFileSync('/proc/self/status', 'utf8')): string[] {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return [...ALL_CAPABILITIES];
  const mask = BigInt(`0x${m[1]}`);
  return ALL_CAPABILITIES.filter((c) => (mask >> BigInt(CAPABILITY_NUMBERS[c]!)) & 1n);
}

let engineBounding: string[] | undefined;

/**
 * dockerd's TweakCapabilities: drops apply to the defaults, adds win over drops, ALL on either
 * side; --privileged and ALL mean every capability the engine itself holds. Asking by name for
 * one the engine does not hold is refused (the kernel would refuse the start).
 */
export function capabilitySet(cfg: SecurityConfig, bounding: string[] = (engineBounding ??= hostBoundingSet())): string[] {
  if (cfg.Privileged) return [...bounding];
  const add = (cfg.CapAdd ?? []).map(normaliseCap);
  const drop = (cfg.CapDrop ?? []).map(normaliseCap);
  let base = drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  if (add.includes('ALL')) base = [...bounding];
  for (const c of add) {
    if (c === 'ALL' || base.includes(c)) continue;
    if (!bounding.includes(c)) throw invalidArgument(`cannot add capability ${c}: the minidock engine does not hold it`);
    base.push(c);
  }
  return base;
}

export interface SecurityOptions { noNewPrivileges: boolean; seccomp: string | undefined }

/** --security-opt values minidock implements; any other is refused by name. */
export function parseSecurityOpts(opts: string[] | null | undefined): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: undefined };
  for (const opt of opts ?? []) {
    const i = opt.search(/[=:]/);
    const key = i < 0 ? opt : opt.slice(0, i);
    const value = i < 0 ? undefined : opt.slice(i + 1);
    if (key === 'no-new-privileges') {
      if (value !== undefined && value !== 'true' && value !== 'false') throw invalidArgument(`invalid --security-opt 2: "${opt}"`);
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp' && value !== undefined && value !== '') {
      out.seccomp = value;
    } else {
      // apparmor (no AppArmor on minidock's hosts), label (SELinux), systempaths, ... are not done
      throw invalidArgument(`minidock does not support --security-opt ${key}${value === undefined ? '' : `=${value.length > 40 ? `${value.slice(0, 40)}...` : value}`}`);
    }
  }
  return out;
}

/** Validated at create, so a bad option or profile never gets as far as a start. */
export async function checkSecurity(cfg: SecurityConfig): Promise<void> {
  await containerSecurity(cfg);
}

const compiled = new Map<string, Promise<string | null>>();

/** The container's security for the runtime; the compiled seccomp rules are cached per profile and capability set. */
export async function containerSecurity(cfg: SecurityConfig): Promise<ContainerSecurity> {
  const capabilities = capabilitySet(cfg);
  const opts = parseSecurityOpts(cfg.SecurityOpt);
  const profile = cfg.Privileged ? 'unconfined' : opts.seccomp;
  const key = `${profile ?? 'default'}\0${capabilities.join(',')}`;
  let rules = compiled.get(key);
  if (!rules) {
    rules = seccompRules(profile, { arch: hostSeccompArch(), capabilities });
    compiled.set(key, rules);
    rules.catch(() => compiled.delete(key)); // a failed compile is not cached; the caller gets its error
    if (compiled.size > 64) compiled.delete(compiled.keys().next().value!);
  }
  return {
    capabilities, noNewPrivileges: opts.noNewPrivileges, seccomp: await rules,
    maskedPaths: cfg.Privileged ? [] : [...DEFAULT_MASKED_PATHS],
    readonlyPaths: cfg.Privileged ? [] : [...DEFAULT_READONLY_PATHS],
  };
}
