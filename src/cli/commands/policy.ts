// policy apply|ls|inspect|rm: Kubernetes NetworkPolicy documents on minidock networks. The
// YAML is decoded here (with the `yaml` library; `-f -` reads stdin) and the documents go to
// the engine as JSON, which checks and enforces them.
import fs from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { connect } from '../connect.js';
import { table } from '../format.js';
import { forEach, inspectEach } from '../output.js';
import { invalidArgument } from '../../errors.js';

async function readSource(file: string): Promise<string> {
  if (file !== '-') return fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => { throw invalidArgument(`cannot read ${file}: ${err.code ?? err.message}`); });
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every non-empty YAML document of the text (`---` separated); a syntax error names the file. */
export function decodeDocuments(text: string, file: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw invalidArgument(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
    const v = doc.toJS();
    if (v !== null && v !== undefined) out.push(v);
  }
  if (!out.length) throw invalidArgument(`${file}: no document`);
  return out;
}

export async function policyApply(opts: { filename?: string }): Promise<number> {
  if (!opts.filename) throw invalidArgument('policy apply needs -f FILE (or -f - for stdin)');
  const docs = decodeDocuments(await readSource(opts.filename), opts.filename);
  const client = await connect();
  for (const r of await client.applyPolicies(docs)) process.stdout.write(`networkpolicy ${r.Namespace}/${r.Name} ${r.Result}\n`);
  return 0;
}

export async function policyLs(opts: { quiet?: boolean }): Promise<number> {
  const client = await connect();
  const list = (await client.listPolicies()).sort((a, b) => a.Namespace.localeCompare(b.Namespace) || a.Name.localeCompare(b.Name));
  if (opts.quiet) {
    for (const p of list) process.stdout.write(`${p.Namespace}/${p.Name}\n`);
    return 0;
  }
  process.stdout.write(table([['NETWORK', 'NAME', 'POD-SELECTOR', 'POLICY TYPES'], ...list.map((p) => [p.Namespace, p.Name, p.PodSelector, p.PolicyTypes.join(',')])]));
  return 0;
}

export async function policyInspect(refs: string[], opts: { format?: string }): Promise<number> {
  const client = await connect();
  return inspectEach(refs, (n) => client.inspectPolicy(n), opts.format);
}

export async function policyRm(refs: string[]): Promise<number> {
  const client = await connect();
  return forEach(refs, async (r) => { await client.removePolicy(r); process.stdout.write(`${r}\n`); });
}
