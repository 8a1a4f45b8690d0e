// minidock diff and export: a container's filesystem changes (docker's `C /etc` lines) and
// its root filesystem as a tar (to -o FILE, or stdout when it is not a terminal).
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { connect } from '../connect.js';
import { MinidockError } from '../../errors.js';

const KINDS = ['C', 'A', 'D'] as const;

export async function diffCommand(ctr: string): Promise<number> {
  const client = await connect();
  const changes = (await client.changes(ctr)) ?? [];
  process.stdout.write(changes.map((c) => `${KINDS[c.Kind]} ${c.Path}\n`).join(''));
  return 0;
}

export async function exportCommand(ctr: string, opts: { output?: string }): Promise<number> {
  if (!opts.output && process.stdout.isTTY) {
    throw new MinidockError('InvalidArgument', 'cowardly refusing to save to a terminal. Use the -o flag or redirect', { status: 400, exitCode: 1 });
  }
  const client = await connect();
  const tar = await client.exportContainer(ctr);
  await pipeline(tar, opts.output ? fs.createWriteStream(opts.output) : process.stdout);
  return 0;
}
