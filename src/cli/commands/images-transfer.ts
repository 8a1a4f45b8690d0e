// push, history, save, load, commit.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { connect } from '../connect.js';
import { ellipsis, humanDuration, humanSize, table } from '../format.js';
import { ProgressPrinter } from '../progress.js';
import { withDefaultTag } from '../output.js';
import { invalidArgument } from '../../errors.js';

export async function pushCommand(ref: string, opts: { quiet?: boolean; allTags?: boolean }): Promise<number> {
  const client = await connect();
  const printer = new ProgressPrinter(process.stdout);
  const hasTag = /:[^/]+$/.test(ref) || ref.includes('@');
  if (opts.allTags && hasTag) throw invalidArgument('tag can\'t be used with --all-tags/-a');
  const name = opts.allTags || hasTag ? ref : withDefaultTag(ref);
  if (name !== ref && !opts.quiet) process.stdout.write('Using default tag: latest\n');
  await client.push(name, (p) => { if (!opts.quiet) printer.handle(p); });
  if (opts.quiet) process.stdout.write(`${name}\n`);
  return 0;
}

export async function historyCommand(image: string, opts: { quiet?: boolean; trunc?: boolean; human?: boolean }): Promise<number> {
  const client = await connect();
  const list = await client.history(image);
  const noTrunc = opts.trunc === false;
  const id = (s: string) => (s === '<missing>' || noTrunc ? s : s.replace(/^sha256:/, '').slice(0, 12));
  if (opts.quiet) {
    for (const h of list) process.stdout.write(`${id(h.Id)}\n`);
    return 0;
  }
  const now = Date.now();
  const human = opts.human !== false;
  const rows = [['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']];
  for (const h of list) {
    const createdBy = h.CreatedBy.replace(/\t/g, ' ');
    rows.push([
      id(h.Id),
      human ? `${humanDuration(Math.max(0, now - h.Created * 1000))} ago` : new Date(h.Created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      noTrunc ? createdBy : ellipsis(createdBy, 45),
      human ? humanSize(h.Size) : String(h.Size),
      noTrunc ? h.Comment : ellipsis(h.Comment, 45),
    ]);
  }
  process.stdout.write(table(rows));
  return 0;
}

export async function saveCommand(images: string[], opts: { output?: string }): Promise<number> {
  if (!opts.output && process.stdout.isTTY) throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  const client = await connect();
  const res = await client.saveImages(images);
  if (!opts.output) {
    await pipeline(res, process.stdout);
    return 0;
  }
  // written next to the target and renamed at the end: a failed save leaves no truncated archive
  const tmp = path.join(path.dirname(opts.output), `.${path.basename(opts.output)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await pipeline(res, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    await fsp.rename(tmp, opts.output);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  return 0;
}

export async function loadCommand(opts: { input?: string; quiet?: boolean }): Promise<number> {
  if (!opts.input && process.stdin.isTTY) throw invalidArgument('requested load from stdin, but stdin is empty');
  const client = await connect();
  const src = opts.input ? fs.createReadStream(opts.input) : process.stdin;
  for (const line of await client.loadImages(src)) process.stdout.write(`${line}\n`);
  return 0;
}

export async function commitCommand(container: string, repo: string | undefined, opts: { author?: string; change?: string[]; message?: string; pause?: boolean }): Promise<number> {
  const client = await connect();
  const id = await client.commit(container, { tag: repo, comment: opts.message, author: opts.author, pause: opts.pause !== false, changes: opts.change ?? [] });
  process.stdout.write(`${id}\n`);
  return 0;
}
