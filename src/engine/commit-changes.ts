// `docker commit --change`: Dockerfile instructions applied to the committed image's config.
// The instructions dockerd accepts for commit are CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
// USER, VOLUME, WORKDIR (and STOPSIGNAL); minidock does not keep ONBUILD triggers and refuses it,
// like every other instruction, by name.
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import type { ImageConfig } from './services.js';

/** Splits on unquoted whitespace; quotes group, backslash escapes the next character. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") { quote = ch; has = true; }
    else if (ch === '\\' && i + 1 < s.length) { cur += s[++i]; has = true; }
    else if (/\s/.test(ch)) { if (has || cur) out.push(cur); cur = ''; has = false; }
    else { cur += ch; has = true; }
  }
  if (quote) throw invalidArgument(`unterminated quote in ${JSON.stringify(s)}`);
  if (has || cur) out.push(cur);
  return out;
}

function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(rest) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function keyValues(instr: string, rest: string, legacySpace: boolean): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) throw invalidArgument(`${instr} requires at least one argument`);
  // ENV key value (the old form, one pair, value = the rest of the line)
  if (legacySpace && !words[0]!.includes('=')) {
    const m = /^\s*(\S+)\s+(.*)$/.exec(rest);
    if (!m) throw invalidArgument(`${instr} ${words[0]} needs a value`);
    return [[m[1]!, splitWords(m[2]!).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${instr} names must be key=value pairs: ${JSON.stringify(w)}`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Applies one change line to `cfg` (mutated). */
export function applyChange(cfg: ImageConfig, line: string): void {
  const m = /^\s*(\w+)(?:\s+([\s\S]*))?$/.exec(line);
  if (!m) throw invalidArgument(`invalid change ${JSON.stringify(line)}`);
  const instr = m[1]!.toUpperCase();
  const rest = (m[2] ?? '').trim();
  switch (instr) {
    case 'CMD':
    case 'ENTRYPOINT': {
      const args = jsonArray(rest) ?? ['/bin/sh', '-c', rest];
      if (instr === 'CMD') cfg.Cmd = args; else cfg.Entrypoint = args;
      break;
    }
    case 'ENV': {
      const env = [...(cfg.Env ?? [])];
      for (const [k, v] of keyValues(instr, rest, true)) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
      }
      cfg.Env = env;
      break;
    }
    case 'LABEL':
      cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(keyValues(instr, rest, false)) };
      break;
    case 'EXPOSE': {
      const ports = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of splitWords(rest)) {
        if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(p)) throw invalidArgument(`invalid EXPOSE port ${JSON.stringify(p)}`);
        ports[p.includes('/') ? p : `${p}/tcp`] = {};
      }
      cfg.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const vols = { ...(cfg.Volumes ?? {}) };
      for (const v of jsonArray(rest) ?? splitWords(rest)) {
        if (!v) throw invalidArgument('VOLUME specified can not be an empty string');
        vols[v] = {};
      }
      cfg.Volumes = vols;
      break;
    }
    case 'USER':
      if (!rest) throw invalidArgument('USER requires exactly one argument');
      cfg.User = rest;
      break;
    case 'WORKDIR':
      if (!rest) throw invalidArgument('WORKDIR requires exactly one argument');
      cfg.WorkingDir = path.posix.resolve(cfg.WorkingDir || '/', splitWords(rest).join(' '));
      break;
    case 'STOPSIGNAL':
      if (!rest) throw invalidArgument('STOPSIGNAL requires exactly one argument');
      cfg.StopSignal = rest;
      break;
    case 'ONBUILD':
      throw invalidArgument('minidock does not support ONBUILD in commit --change yet');
    default:
      throw invalidArgument(`${instr} is not a valid change command (commit accepts CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)`);
  }
}
