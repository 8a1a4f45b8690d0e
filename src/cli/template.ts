// A strict subset of Go's text/template with docker's template functions, for `inspect -f`
// and every `--format`:
//   {{.A.B}}  {{(index .A "k").B}}  {{.X | upper}}  {{.Label "k"}} (a method of the row)
//   {{if X}}…{{else if Y}}…{{else}}…{{end}}  {{range X}}…{{else}}…{{end}}  {{with X}}…{{end}}
//   functions: json join split upper lower title truncate pad println printf index len eq ne
//   lt le gt ge and or not print
// Values are printed like Go prints JSON-decoded data (docker inspect templates run on
// map[string]interface{}): maps as map[k:v] with sorted keys, slices as [a b], null as <nil>.
// Variables ($x := …) are refused with a clear message.
import { invalidArgument } from '../errors.js';

type Value = unknown;
const NO_VALUE = Symbol('no value');

export function goFormat(v: Value): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goFormat(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's truth: false, 0, nil, "" and empty slices/maps are false. */
function truthy(v: Value): boolean {
  if (v === NO_VALUE || v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

interface Token { kind: 'field' | 'string' | 'ident' | 'lparen' | 'rparen' | 'number' | 'pipe'; text: string; glued?: boolean /* no space before */ }

function tokenize(src: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(') { out.push({ kind: 'lparen', text: c }); i++; continue; }
    if (c === ')') { out.push({ kind: 'rparen', text: c }); i++; continue; }
    if (c === '|') { out.push({ kind: 'pipe', text: c }); i++; continue; }
    if (c === '$') throw invalidArgument(`template: ${where}: variables ($) are not supported by minidock`);
    if (c === '"' || c === '`') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (c === '"' && src[j] === '\\' && j + 1 < src.length) { j++; s += src[j] === 'n' ? '\n' : src[j] === 't' ? '\t' : src[j]; } else s += src[j];
        j++;
      }
      if (j >= src.length) throw invalidArgument(`template: ${where}: unterminated quoted string`);
      out.push({ kind: 'string', text: s });
      i = j + 1;
      continue;
    }
    const m = /^(\.[A-Za-z0-9_.]*|[A-Za-z_][A-Za-z0-9_]*|-?\d+)/.exec(src.slice(i));
    if (!m) throw invalidArgument(`template: ${where}: unexpected "${c}" in command`);
    const text = m[1]!;
    out.push({ kind: text.startsWith('.') ? 'field' : /^-?\d/.test(text) ? 'number' : 'ident', text, glued: i > 0 && src[i - 1] === ')' });
    i += text.length;
  }
  return out;
}

function walk(v: Value, path: string): Value {
  // ".A.B" → ["A","B"]; "." is the value itself.
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || v === undefined || v === NO_VALUE || typeof v !== 'object' || Array.isArray(v)) return NO_VALUE;
    const o = v as Record<string, unknown>;
    v = key in o ? o[key] : NO_VALUE;
  }
  return v;
}

const str = (v: Value) => (typeof v === 'string' ? v : goFormat(v));
const num = (v: Value, fn: string, where: string) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw invalidArgument(`template: ${where}: error calling ${fn}: ${goFormat(v)} is not an integer`);
  return n;
};
const lenOf = (v: Value, where: string) => {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  throw invalidArgument(`template: ${where}: error calling len: len of ${goFormat(v)}`);
};
const compare = (fn: string, where: string, a: Value, b: Value): number => {
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) throw invalidArgument(`template: ${where}: error calling ${fn}: incompatible types for comparison`);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
};

/** Go's fmt verbs used in templates: %s %v %d %q %%, with an optional width. */
function sprintf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%(-?\d*)([svdq%])/g, (_m, width: string, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    const s = verb === 'q' ? JSON.stringify(str(a)) : str(a);
    const w = Math.abs(Number(width || 0));
    return width.startsWith('-') ? s.padEnd(w) : s.padStart(w);
  });
}

const FUNCS: Record<string, (args: Value[], where: string) => Value> = {
  json: (a) => JSON.stringify(a[0] === NO_VALUE ? null : a[0]),
  index: (a, where) => {
    let v = a[0];
    for (const k of a.slice(1)) {
      if (v === null || typeof v !== 'object') throw invalidArgument(`template: ${where}: error calling index: cannot index ${goFormat(v)}`);
      v = (v as Record<string, unknown>)[String(k)] ?? (Array.isArray(v) ? NO_VALUE : null);
    }
    return v;
  },
  upper: (a) => str(a[0]).toUpperCase(),
  lower: (a) => str(a[0]).toLowerCase(),
  // Go's strings.Title: the first letter of each word upper-cased
  title: (a) => str(a[0]).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, ch: string) => pre + ch.toUpperCase()),
  join: (a) => (Array.isArray(a[0]) ? a[0].map(str).join(str(a[1] ?? '')) : str(a[0])),
  split: (a) => str(a[0]).split(str(a[1] ?? '')),
  // docker's truncate: the first n characters
  truncate: (a, where) => [...str(a[0])].slice(0, Math.max(0, num(a[1], 'truncate', where))).join(''),
  // docker's pad: spaces before and after
  pad: (a, where) => ' '.repeat(Math.max(0, num(a[1], 'pad', where))) + str(a[0]) + ' '.repeat(Math.max(0, num(a[2], 'pad', where))),
  println: (a) => `${a.map(str).join(' ')}\n`,
  print: (a) => a.map(str).join(''),
  printf: (a) => sprintf(str(a[0]), a.slice(1)),
  len: (a, where) => lenOf(a[0], where),
  eq: (a) => a.slice(1).some((b) => b === a[0]),
  ne: (a) => a[0] !== a[1],
  lt: (a, where) => compare('lt', where, a[0], a[1]) < 0,
  le: (a, where) => compare('le', where, a[0], a[1]) <= 0,
  gt: (a, where) => compare('gt', where, a[0], a[1]) > 0,
  ge: (a, where) => compare('ge', where, a[0], a[1]) >= 0,
  not: (a) => !truthy(a[0]),
  and: (a) => a.find((v) => !truthy(v)) ?? a.at(-1),
  or: (a) => a.find((v) => truthy(v)) ?? a.at(-1),
};

/** One command of a pipeline; `piped` is the previous command's value, passed as the last argument. */
function evalCommand(tokens: Token[], dot: Value, where: string, piped: Value[]): Value {
  let pos = 0;
  const operand = (): Value => {
    const t = tokens[pos++];
    if (!t) throw invalidArgument(`template: ${where}: missing value for command`);
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'field') return walk(dot, t.text);
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return t.text === 'true';
      if (t.text === 'nil') return null;
      const f = FUNCS[t.text];
      if (!f) throw invalidArgument(`template: ${where}: function "${t.text}" not defined`);
      return f([], where); // a function as an argument is called without arguments, as in Go
    }
    if (t.kind === 'lparen') {
      const start = pos;
      let depth = 1;
      while (pos < tokens.length && depth > 0) {
        if (tokens[pos]!.kind === 'lparen') depth++;
        if (tokens[pos]!.kind === 'rparen') depth--;
        pos++;
      }
      if (depth !== 0) throw invalidArgument(`template: ${where}: unclosed left paren`);
      let v = evalPipeline(tokens.slice(start, pos - 1), dot, where);
      // A field chain right after the paren: (index .A "k").B
      const next = tokens[pos];
      if (next && next.kind === 'field' && next.glued) { v = walk(v, next.text); pos++; }
      return v;
    }
    throw invalidArgument(`template: ${where}: unexpected "${t.text}" in operand`);
  };
  const first = tokens[0];
  if (!first) throw invalidArgument(`template: ${where}: missing value for command`);
  if (first.kind === 'ident' || first.kind === 'field') {
    pos = 1;
    let fn: ((args: Value[]) => Value) | undefined;
    let value: Value = NO_VALUE;
    if (first.kind === 'ident') {
      if (first.text === 'true' || first.text === 'false') value = first.text === 'true';
      else if (first.text === 'nil') value = null;
      else {
        const f = FUNCS[first.text];
        if (!f) throw invalidArgument(`template: ${where}: function "${first.text}" not defined`);
        fn = (args) => f(args, where);
      }
    } else {
      value = walk(dot, first.text);
      // a method of the row (ps's .Label "key"): called with the arguments that follow
      if (typeof value === 'function') { const m = value as (...a: Value[]) => Value; fn = (args) => m(...args); }
    }
    if (fn) {
      const args: Value[] = [];
      while (pos < tokens.length) args.push(operand());
      return fn([...args, ...piped]);
    }
    if (pos < tokens.length || piped.length) throw invalidArgument(`template: ${where}: can't give argument to non-function ${first.text}`);
    return value;
  }
  const v = operand();
  if (pos < tokens.length || piped.length) throw invalidArgument(`template: ${where}: can't give argument to non-function ${first.text}`);
  return v;
}

function evalPipeline(tokens: Token[], dot: Value, where: string): Value {
  const commands: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'lparen') depth++;
    if (t.kind === 'rparen') depth--;
    if (t.kind === 'pipe' && depth === 0) commands.push([]);
    else commands.at(-1)!.push(t);
  }
  let piped: Value[] = [];
  for (const c of commands) piped = [evalCommand(c, dot, where, piped)];
  return piped[0];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; tokens: Token[] }
  | { kind: 'if' | 'with' | 'range'; tokens: Token[]; body: Node[]; alt: Node[] };

interface Action { text: string; inner: string }

/** Splits a template into text and `{{…}}` actions, applying Go's `{{-` / `-}}` trimming. */
function lex(template: string): (string | Action)[] {
  const parts: (string | Action)[] = [];
  let i = 0;
  let trimNext = false;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    let text = open < 0 ? template.slice(i) : template.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) { parts.push(text); break; }
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw invalidArgument(`template: ${template}: unclosed action`);
    let inner = template.slice(open + 2, close);
    if (/^-\s/.test(inner) || inner === '-') { text = text.replace(/\s+$/, ''); inner = inner.slice(1); }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    parts.push(text, { text: template.slice(open, close + 2), inner: inner.trim() });
    i = close + 2;
  }
  return parts.filter((p) => p !== '');
}

function parse(template: string): Node[] {
  const parts = lex(template);
  let pos = 0;
  // Reads nodes until {{end}} / {{else…}} (returned as the stop word) or the end.
  const block = (inBlock: boolean): { nodes: Node[]; stop?: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const p = parts[pos++]!;
      if (typeof p === 'string') { nodes.push({ kind: 'text', text: p }); continue; }
      if (p.inner.startsWith('/*')) continue; // a comment
      const word = /^([a-z]+)\b/.exec(p.inner)?.[1];
      if (word === 'end' || word === 'else') {
        if (!inBlock) throw invalidArgument(`template: ${template}: unexpected {{${word}}}`);
        return { nodes, stop: p.inner };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, p.inner.slice(word.length)));
        continue;
      }
      if (word === 'define' || word === 'template' || word === 'block' || word === 'break' || word === 'continue') {
        throw invalidArgument(`template: ${template}: {{${word}}} is not supported by minidock`);
      }
      const tokens = tokenize(p.inner, template);
      if (tokens.length === 0) throw invalidArgument(`template: ${template}: missing value for command`);
      nodes.push({ kind: 'expr', tokens });
    }
    if (inBlock) throw invalidArgument(`template: ${template}: unexpected EOF`);
    return { nodes };
  };
  const control = (kind: 'if' | 'with' | 'range', rest: string): Node => {
    const tokens = tokenize(rest, template);
    if (tokens.length === 0) throw invalidArgument(`template: ${template}: missing value for ${kind}`);
    const body = block(true);
    let alt: Node[] = [];
    if (body.stop !== 'end') {
      const elseRest = body.stop!.slice(4).trim();
      if (elseRest.startsWith('if') && kind === 'if') {
        alt = [control('if', elseRest.slice(2))]; // {{else if X}} closes with the same {{end}}
      } else {
        if (elseRest) throw invalidArgument(`template: ${template}: unexpected "${elseRest}" in else`);
        const tail = block(true);
        if (tail.stop !== 'end') throw invalidArgument(`template: ${template}: expected end; found {{${tail.stop}}}`);
        alt = tail.nodes;
      }
    }
    return { kind, tokens, body: body.nodes, alt };
  };
  return block(false).nodes;
}

function exec(nodes: Node[], dot: Value, where: string): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'expr') out += goFormat(evalPipeline(n.tokens, dot, where));
    else {
      const v = evalPipeline(n.tokens, dot, where);
      if (n.kind === 'if') out += exec(truthy(v) ? n.body : n.alt, dot, where);
      else if (n.kind === 'with') out += truthy(v) ? exec(n.body, v, where) : exec(n.alt, dot, where);
      else {
        const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]) : undefined;
        if (items === undefined && truthy(v)) throw invalidArgument(`template: ${where}: range can't iterate over ${goFormat(v)}`);
        out += items?.length ? items.map((item) => exec(n.body, item, where)).join('') : exec(n.alt, dot, where);
      }
    }
  }
  return out;
}

/** Renders `template` against `data`; throws InvalidArgument for a malformed template. */
export function renderTemplate(template: string, data: unknown): string {
  return exec(parse(template), data, template);
}
