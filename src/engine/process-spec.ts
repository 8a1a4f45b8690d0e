// The process a container or an exec runs: the one home of docker's rules for Entrypoint/Cmd,
// environment, working dir and user (moby's merge at create, CreateDaemonEnvironment, runc's
// setupUser). Pure, but for the user lookup in the image, which the runtime does.
import { invalidArgument } from '../errors.js';
import type { ProcessSecurity, ProcessSpec } from '../runtime/types.js';
import type { RuntimeLike } from './services.js';

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

/**
 * moby's merge of the user's Entrypoint/Cmd with the image's: without an entrypoint of
 * its own the image's Cmd fills an empty Cmd, and the image's Entrypoint is used unless one was
 * given at all (`[""]`, docker's `--entrypoint ""`, means none). Throws when nothing is left to run.
 */
export function resolveCommand(user: { entrypoint?: string[] | null; cmd?: string[] | null }, image: ImageProcessConfig): { entrypoint: string[]; cmd: string[]; args: string[] } {
  let entrypoint = user.entrypoint ?? undefined;
  let cmd = user.cmd ?? [];
  if (!entrypoint || entrypoint.length === 0) {
    if (cmd.length === 0) cmd = image.Cmd ?? [];
    if (entrypoint === undefined) entrypoint = image.Entrypoint ?? [];
  }
  if (entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw invalidArgument('no command specified');
  return { entrypoint, cmd, args };
}

/** The image's env under the user's, with docker's PATH/HOSTNAME/TERM defaults, as runc hands it to execve. */
export function processEnv(image: ImageProcessConfig, userEnv: string[], hostname: string, tty: boolean): string[] {
  const config = mergeImageEnv((image.Env ?? []).filter((e) => e.includes('=')), userEnv);
  return runcEnv(daemonEnv(config, hostname, tty));
}

export function workingDir(user: string | undefined, image: ImageProcessConfig): string {
  const cwd = user || image.WorkingDir || '/';
  if (!cwd.startsWith('/')) throw invalidArgument(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  return cwd;
}

export function resolveProcess(image: ImageProcessConfig, o: ProcessOverrides): ResolvedProcess {
  const { args } = resolveCommand({ entrypoint: o.entrypoint, cmd: o.cmd }, image);
  return { args, env: processEnv(image, o.env ?? [], o.hostname, !!o.tty), cwd: workingDir(o.workingDir, image), user: o.user ?? image.User ?? '' };
}

/**
 * The full process for the runtime: argv as merged at create, env and cwd from the image and
 * the request, uid/gid/groups/HOME from the image's passwd and group files.
 */
export async function processSpec(
  runtime: Pick<RuntimeLike, 'resolveUser'>, layerDirs: string[], image: ImageProcessConfig,
  o: { args: string[]; env: string[]; workingDir?: string; user?: string; hostname: string; tty: boolean },
  security: ProcessSecurity,
): Promise<ProcessSpec> {
  const env = processEnv(image, o.env, o.hostname, o.tty);
  const cwd = workingDir(o.workingDir, image);
  const user = await runtime.resolveUser(layerDirs, o.user || image.User || '');
  return {
    args: o.args, env: withHome(env, user.home), cwd, uid: user.uid, gid: user.gid, additionalGids: user.additionalGids, tty: o.tty,
    ...security,
  };
}

/** runc's setupUser: HOME from the user's passwd entry when unset (appended) or empty (in place). */
export function withHome(env: string[], home: string): string[] {
  const i = env.findIndex((e) => keyOf(e) === 'HOME');
  if (i === -1) return [...env, `HOME=${home}`];
  if (env[i] !== 'HOME=') return env;
  return env.map((e, j) => (j === i ? `HOME=${home}` : e));
}
