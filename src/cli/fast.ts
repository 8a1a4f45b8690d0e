// A commander-free path for the hottest command lines (`--version`, `version`, `ps`, `images`,
// `inspect`, `run` with the common flags): loading commander and building its program costs
// ~20-35 ms of each CLI start (issue 14: read-only commands near `node -e 0`). Only argument lists
// this parser fully understands take it; everything else (help, errors, other flags) goes
// to the full commander program, so behaviour is the same either way.

export type FastCommand =
  | { kind: 'version' }
  | { kind: 'server-version' }
  | { kind: 'ps'; all: boolean; quiet: boolean; noTrunc: boolean }
  | { kind: 'images'; quiet: boolean; noTrunc: boolean }
  | { kind: 'inspect'; names: string[]; format?: string; type?: string }
  | { kind: 'run'; image: string; command: string[]; flags: FastRunFlags };

export interface FastRunFlags { rm?: true; detach?: true; interactive?: true; tty?: true; name?: string; network?: string }

const RUN_BOOL: Record<string, keyof FastRunFlags> = { '--rm': 'rm', '--detach': 'detach', '--interactive': 'interactive', '--tty': 'tty' };
const RUN_SHORT: Record<string, 'detach' | 'interactive' | 'tty'> = { d: 'detach', i: 'interactive', t: 'tty' };
const RUN_VALUE: Record<string, 'name' | 'network'> = { '--name': 'name', '--net': 'network', '--network': 'network' };

/** `args` = argv without node and script. Undefined = let commander handle it. */
export function parseFast(args: readonly string[]): FastCommand | undefined {
  const [cmd, ...rest] = args;
  if (args.length === 1 && (cmd === '--version' || cmd === '-v')) return { kind: 'version' };
  if (cmd === 'version') return rest.length === 0 ? { kind: 'server-version' } : undefined;
  if (cmd === 'ps') return parsePs(rest);
  if (cmd === 'images') return parseImages(rest);
  if (cmd === 'inspect') return parseInspect(rest);
  if (cmd === 'run') return parseRun(rest);
  return undefined;
}

function parsePs(args: readonly string[]): FastCommand | undefined {
  const o = { kind: 'ps' as const, all: false, quiet: false, noTrunc: false };
  for (const a of args) {
    if (a === '--all') o.all = true;
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--no-trunc') o.noTrunc = true;
    else if (/^-[aq]+$/.test(a)) { o.all ||= a.includes('a'); o.quiet ||= a.includes('q'); }
    else return undefined;
  }
  return o;
}

function parseImages(args: readonly string[]): FastCommand | undefined {
  const o = { kind: 'images' as const, quiet: false, noTrunc: false };
  for (const a of args) {
    if (a === '-q' || a === '--quiet') o.quiet = true;
    else if (a === '--no-trunc') o.noTrunc = true;
    else return undefined;
  }
  return o;
}

const INSPECT_VALUE: Record<string, 'format' | 'type'> = { '-f': 'format', '--format': 'format', '--type': 'type' };

/** `inspect NAME...` with -f/--format and --type anywhere (commander's order-free options). */
function parseInspect(args: readonly string[]): FastCommand | undefined {
  const o: { kind: 'inspect'; names: string[]; format?: string; type?: string } = { kind: 'inspect', names: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) { o.names.push(a); continue; }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const key = INSPECT_VALUE[eq > 0 ? a.slice(0, eq) : a];
    // a value that looks like a flag, a repeated flag or `-fX` are commander's to judge
    if (!key || o[key] !== undefined) return undefined;
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    o[key] = value;
  }
  return o.names.length ? o : undefined; // no name: commander prints the usage error
}

function parseRun(args: readonly string[]): FastCommand | undefined {
  const flags: FastRunFlags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) return { kind: 'run', image: a, command: args.slice(i + 1), flags };
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : a;
    if (RUN_BOOL[a]) flags[RUN_BOOL[a] as 'rm'] = true;
    else if (/^-[dit]+$/.test(a)) for (const c of a.slice(1)) flags[RUN_SHORT[c]!] = true;
    else if (RUN_VALUE[key]) {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === '') return undefined;
      flags[RUN_VALUE[key]] = value;
    } else return undefined;
  }
  return undefined; // no image: commander prints the usage error
}
