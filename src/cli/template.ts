// A small, strict subset of Go's text/template, enough for `inspect -f`:
//   {{.A.B}}  {{json .A}}  {{index .A "key"}}  {{(index .A "k").B}}  {{upper .X}} {{lower .X}}  {{join .L ","}}
// Values are printed like Go prints JSON-decoded data (docker inspect templates run on
// map[string]interface{}): maps as map[k:v] with sorted keys, slices as [a b], null as <nil>.
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

interface Token { kind: 'field' | 'string' | 'ident' | 'lparen' | 'rparen' | 'number'; text: string; glued?: boolean /* no space before */ }

function tokenize(src: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(') { out.push({ kind: 'lparen', text: c }); i++; continue; }
    if (c === ')') { out.push({ kind: 'rparen', text: c }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) { j++; s += src[j] === 'n' ? '\n' : src[j] === 't' ? '\t' : src[j]; } else s += src[j];
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
  upper: (a) => goFormat(a[0]).toUpperCase(),
  lower: (a) => goFormat(a[0]).toLowerCase(),
  join: (a) => (Array.isArray(a[0]) ? a[0].map(goFormat).join(String(a[1] ?? '')) : goFormat(a[0])),
};

function evalTokens(tokens: Token[], data: Value, where: string): Value {
  let pos = 0;
  const operand = (): Value => {
    const t = tokens[pos++];
    if (!t) throw invalidArgument(`template: ${where}: missing value for command`);
    if (t.kind === 'field') return walk(data, t.text);
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'lparen') {
      const start = pos;
      let depth = 1;
      while (pos < tokens.length && depth > 0) {
        if (tokens[pos]!.kind === 'lparen') depth++;
        if (tokens[pos]!.kind === 'rparen') depth--;
        pos++;
      }
      if (depth !== 0) throw invalidArgument(`template: ${where}: unclosed left paren`);
      let v = evalTokens(tokens.slice(start, pos - 1), data, where);
      // A field chain right after the paren: (index .A "k").B
      const next = tokens[pos];
      if (next && next.kind === 'field' && next.glued) { v = walk(v, next.text); pos++; }
      return v;
    }
    if (t.kind === 'ident') {
      const fn = FUNCS[t.text];
      if (!fn) throw invalidArgument(`template: ${where}: function "${t.text}" not defined`);
      const args: Value[] = [];
      while (pos < tokens.length) args.push(operand());
      return fn(args, where);
    }
    throw invalidArgument(`template: ${where}: unexpected "${t.text}" in operand`);
  };
  const v = operand();
  if (pos < tokens.length) throw invalidArgument(`template: ${where}: can't give argument to non-function ${tokens[0]!.text}`);
  return v;
}

/** Renders `template` against `data`; throws InvalidArgument for a malformed template. */
export function renderTemplate(template: string, data: unknown): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) { out += template.slice(i); break; }
    out += template.slice(i, open);
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw invalidArgument(`template: ${template}: unclosed action`);
    let inner = template.slice(open + 2, close);
    // {{- and -}} trim surrounding spaces like Go.
    if (inner.startsWith('-')) { out = out.replace(/\s+$/, ''); inner = inner.slice(1); }
    let trimAfter = false;
    if (inner.endsWith('-')) { trimAfter = true; inner = inner.slice(0, -1); }
    const tokens = tokenize(inner, template);
    if (tokens.length === 0) throw invalidArgument(`template: ${template}: missing value for command`);
    out += goFormat(evalTokens(tokens, data, template));
    i = close + 2;
    if (trimAfter) while (i < template.length && /\s/.test(template[i]!)) i++;
  }
  return out;
}
