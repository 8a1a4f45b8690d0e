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

/**
 * Docker's ReplaceOrAppendEnvValues: an override replaces the default with its key in place or
 * is appended; `KEY` alone removes KEY from the defaults. Like moby, only keys of `base` are
 * looked up, so a key repeated in `overrides` is appended twice (runcEnv folds it later).
 */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const index = new Map<string, number>();
  base.forEach((e, i) => index.set(keyOf(e), i));
  const out: (string | undefined)[] = [...base];
  for (const o of overrides) {
    const i = index.get(keyOf(o));
    if (!o.includes('=')) {
      if (i !== undefined) out[i] = undefined;
    } else if (i !== undefined) out[i] = o;
    else out.push(o);
  }
  return out.filter((e): e is string => e !== undefined);
}

/**
 * moby's merge() at create: the user's `-e` entries first, then each image entry whose key the
 * user did not give (so `-e KEY` without a value hides the image's KEY).
 */
export function mergeImageEnv(image: string[], user: string[]): string[] {
  const userKeys = new Set(user.map(keyOf));
  return [...user, ...image.filter((e) => !userKeys.has(keyOf(e)))];
}

/** moby's CreateDaemonEnvironment: PATH, HOSTNAME, TERM with a tty, then the config env over them. */
export function daemonEnv(configEnv: string[], hostname: string, tty: boolean): string[] {
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`, ...(tty ? ['TERM=xterm'] : [])];
  return mergeEnv(defaults, configEnv);
}

/**
 * What runc (1.1) hands to execve: it clears its env and os.Setenv()s each entry, so a repeated
 * key keeps its first position and takes its last value; entries without `=` are not kept.
 */
export function runcEnv(env: string[]): string[] {
  const out: string[] = [];
  const at = new Map<string, number>();
  for (const e of env) {
    if (!e.includes('=')) continue;
    const k = keyOf(e);
    const i = at.get(k);
    if (i === undefined) { at.set(k, out.length); out.push(e); } else out[i] = e;
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

  const config = mergeImageEnv((image.Env ?? []).filter((e) => e.includes('=')), o.env ?? []);
  const env = runcEnv(daemonEnv(config, o.hostname, !!o.tty));

  const cwd = o.workingDir || image.WorkingDir || '/';
  if (!cwd.startsWith('/')) {
    throw new MinidockError('InvalidArgument', `the working directory '${cwd}' is invalid, it needs to be an absolute path`, { status: 400 });
  }
  return { args, env, cwd, user: o.user ?? image.User ?? '' };
}

/** runc's setupUser: HOME from the user's passwd entry when unset (appended) or empty (in place). */
export function withHome(env: string[], home: string): string[] {
  const i = env.findIndex((e) => keyOf(e) === 'HOME');
  if (i === -1) return [...env, `HOME=${home}`];
  if (env[i] !== 'HOME=') return env;
  return env.map((e, j) => (j === i ? `HOME=${home}` : e));
}
