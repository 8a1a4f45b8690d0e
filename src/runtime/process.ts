// Docker's rules for the container's command line, environment and working dir (pure).
import { MinidockError } from '../errors.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageProcessConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

export interface ProcessOverrides {
  /** `--entrypoint`: undefined = not given; [] or [''] = no entrypoint. Clears the image Cmd. */
  entrypoint?: string[];
  /** Trailing args of `run IMAGE ...`; empty or undefined = not given. */
  cmd?: string[];
  /** `-e` entries as the CLI resolved them; `KEY` without `=` removes KEY. */
  env?: string[];
  workingDir?: string;
  user?: string;
  tty?: boolean;
  hostname: string;
}

export interface ResolvedProcess { args: string[]; env: string[]; cwd: string; user: string }

const keyOf = (entry: string) => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry);

/** Docker's ReplaceOrAppendEnvValues: overrides replace by key, `KEY` alone deletes KEY. */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const out = [...base];
  for (const o of overrides) {
    const k = keyOf(o);
    const i = out.findIndex((e) => keyOf(e) === k);
    if (!o.includes('=')) {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = o;
    else out.push(o);
  }
  return out;
}

export function resolveProcess(image: ImageProcessConfig, o: ProcessOverrides): ResolvedProcess {
  let entrypoint: string[];
  let cmd: string[];
  if (o.entrypoint !== undefined) {
    entrypoint = o.entrypoint.length === 1 && o.entrypoint[0] === '' ? [] : o.entrypoint;
    cmd = o.cmd ?? []; // an explicit entrypoint drops the image's Cmd
  } else {
    entrypoint = image.Entrypoint ?? [];
    cmd = o.cmd && o.cmd.length > 0 ? o.cmd : image.Cmd ?? [];
  }
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new MinidockError('InvalidArgument', 'no command specified', { status: 400 });

  const config = mergeEnv((image.Env ?? []).filter((e) => e.includes('=')), o.env ?? []);
  const daemon: string[] = [];
  if (!config.some((e) => keyOf(e) === 'PATH')) daemon.push(`PATH=${DEFAULT_PATH}`);
  daemon.push(`HOSTNAME=${o.hostname}`);
  if (o.tty) daemon.push('TERM=xterm');
  const env = mergeEnv(daemon, config);

  const cwd = o.workingDir || image.WorkingDir || '/';
  if (!cwd.startsWith('/')) {
    throw new MinidockError('InvalidArgument', `the working directory '${cwd}' is invalid, it needs to be an absolute path`, { status: 400 });
  }
  return { args, env, cwd, user: o.user ?? image.User ?? '' };
}

/** Adds HOME (from the user's passwd entry) unless the env sets it. */
export function withHome(env: string[], home: string): string[] {
  return env.some((e) => keyOf(e) === 'HOME') ? env : [...env, `HOME=${home}`];
}
