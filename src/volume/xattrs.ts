// Extended attributes in bulk through attr's tools (Node has no getxattr/setxattr): one
// `getfattr -R` dump per directory tree, one `setfattr --restore` per batch. Neither tool
// follows symlinks here (-h, -P). Paths in the dump format are octal-escaped (`\134` = `\`).
import { run } from '../util/exec.js';

export interface XattrEntry { name: string; /** raw value */ value: Buffer }
export type XattrDump = Map<string /* absolute path */, XattrEntry[]>;

/** Undoes getfattr's quoting: `\ooo` is one byte (the text is ASCII, other bytes are escaped). */
export function unquotePath(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** getfattr's quoting for paths written into a restore file: `\`, control bytes and non-ASCII as `\ooo`. */
export function quotePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    out += b === 0x5c || b < 0x21 && b !== 0x20 || b >= 0x7f ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/** Parses `getfattr -d -e hex --absolute-names` output. */
export function parseDump(text: string): XattrDump {
  const out: XattrDump = new Map();
  let cur: XattrEntry[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      cur = [];
      out.set(unquotePath(line.slice('# file: '.length)), cur);
    } else if (cur && line.includes('=')) {
      const eq = line.indexOf('=');
      const raw = line.slice(eq + 1);
      if (!raw.startsWith('0x')) throw new Error(`getfattr: unexpected value encoding in ${JSON.stringify(line)}`);
      cur.push({ name: line.slice(0, eq), value: Buffer.from(raw.slice(2), 'hex') });
    }
  }
  return out;
}

/** Every xattr (pattern: a getfattr -m regex) of every file under `root`, symlinks not followed. */
export async function dumpTree(root: string, pattern = '-'): Promise<XattrDump> {
  const r = await run('getfattr', ['-R', '-P', '-h', '--absolute-names', '-d', '-m', pattern, '-e', 'hex', '--', root], { env: { LC_ALL: 'C' } });
  return parseDump(r.stdout);
}

/** Sets the attributes on the given paths in one `setfattr --restore`, never through a symlink. */
export async function restore(entries: [string, XattrEntry[]][]): Promise<void> {
  const text = entries.filter(([, xs]) => xs.length > 0)
    .map(([p, xs]) => `# file: ${quotePath(p)}\n${xs.map((x) => `${x.name}=0x${x.value.toString('hex')}`).join('\n')}\n`).join('\n');
  if (text === '') return;
  await run('setfattr', ['-h', '--restore=-'], { input: text, env: { LC_ALL: 'C' } });
}
