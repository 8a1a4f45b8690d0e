// Pure normalisers: turn one tool's output into a form where docker and minidock can be
// compared byte for byte. Everything that is legitimately different per run (ids, generated
// names, addresses, MACs, interface indexes, timestamps, bridge names, the tool's own name)
// becomes a token; everything else is left alone so real differences stay visible.

export interface NormaliseContext {
  /** Exact strings to replace first, e.g. the run-specific container name -> its logical name. */
  literals: Map<string, string>;
  /** IPv4 address -> <ipN>, filled in order of first appearance across one tool's whole run. */
  ipTokens: Map<string, string>;
  /** Extra bridge-name patterns (the tool's user-network bridges) -> <bridge>. */
  bridgePatterns: RegExp[];
}

export function newContext(literals: Record<string, string> = {}, bridgePatterns: RegExp[] = []): NormaliseContext {
  return { literals: new Map(Object.entries(literals)), ipTokens: new Map(), bridgePatterns };
}

/** /proc/net/route holds little-endian hex addresses; decode them so they are tokenised like the rest. */
export function decodeProcRoute(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 8 || cols[0] === 'Iface') return cols.join(' ');
      for (const i of [1, 2, 7]) cols[i] = hexToIp(cols[i]);
      return cols.join(' ');
    })
    .join('\n');
}

function hexToIp(hex: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return hex;
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Addresses that mean the same thing under both tools and so are kept literally. */
function isFixedIp(ip: string): boolean {
  return ip.startsWith('127.') || ip === '0.0.0.0' || ip.startsWith('255.') || ip.startsWith('224.');
}

export function normalise(text: string, ctx: NormaliseContext): string {
  let out = text.replace(/\r\n/g, '\n');
  const literals = [...ctx.literals.entries()].sort((a, b) => b[0].length - a[0].length);
  for (const [from, to] of literals) {
    if (!from) continue;
    // Word boundaries where the literal starts/ends with a word character, so a short
    // literal (a host name like "vm") does not eat parts of longer words.
    const pre = /^\w/.test(from) ? '\\b' : '';
    const post = /\w$/.test(from) ? '\\b' : '';
    out = out.replace(new RegExp(pre + escapeRegExp(from) + post, 'g'), to);
  }
  out = out.replace(/\b(docker0|minidock0)\b/g, '<bridge0>');
  out = out.replace(/\bbr-[0-9a-f]{12}\b/g, '<bridge>');
  for (const re of ctx.bridgePatterns) out = out.replace(new RegExp(re.source, 'g'), '<bridge>');
  out = out.replace(/\bveth[0-9a-zA-Z]+/g, '<veth>');
  out = out.replace(/sha256:[0-9a-f]{64}/g, '<digest>');
  out = out.replace(/\b[0-9a-f]{64}\b/g, '<id>');
  out = out.replace(/\b[0-9a-f]{12}\b/g, '<id>');
  out = out.replace(/\b([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}\b/g, '<mac>');
  out = out.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?/g, '<time>');
  // docker's go-units HumanDuration wording: "Less than a second", "About a minute", "3 seconds".
  const dur = '(?:Less than a second|About an? \\w+|\\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))';
  out = out.replace(new RegExp(`\\bUp ${dur}`, 'g'), 'Up <duration>');
  out = out.replace(new RegExp(`${dur} ago`, 'g'), '<duration> ago');
  // `ip -o addr` / `ip link` line indexes and peer indexes.
  out = out.replace(/^\d+: /gm, '<idx>: ');
  out = out.replace(/@if\d+/g, '@if<idx>');
  out = out.replace(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g, (ip) => {
    if (isFixedIp(ip)) return ip;
    let tok = ctx.ipTokens.get(ip);
    if (!tok) {
      tok = `<ip${ctx.ipTokens.size + 1}>`;
      ctx.ipTokens.set(ip, tok);
    }
    return tok;
  });
  out = out.replace(/\b(docker|minidock)\b/g, '<tool>');
  return out
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/** Table output (ps, images, network ls): column widths depend on name lengths, so compare cells. */
export function tableCells(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/).join(' | '))
    .join('\n');
}

/** Keep the header line and the lines that mention one of `names` (other users' rows vary). */
export function keepRows(text: string, names: string[]): string {
  const lines = text.split('\n');
  if (lines.length === 0) return text;
  return [lines[0], ...lines.slice(1).filter((l) => names.some((n) => l.includes(n)))].join('\n');
}

export function sortLines(text: string): string {
  return text.split('\n').sort().join('\n');
}
