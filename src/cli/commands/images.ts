// pull, images, rmi, login, logout.
import { connect } from '../connect.js';
import { formatList, goTime, humanDuration, humanSize, imageRows, table, withLabelMethod } from '../format.js';
import { filterFlags } from '../filters.js';
import { ProgressPrinter } from '../progress.js';
import { forEach, withDefaultTag } from '../output.js';
import { invalidArgument } from '../../errors.js';

export async function pullCommand(ref: string, opts: { quiet?: boolean }): Promise<number> {
  const client = await connect();
  const printer = new ProgressPrinter(process.stdout);
  const tagged = withDefaultTag(ref);
  if (tagged !== ref && !opts.quiet) process.stdout.write('Using default tag: latest\n');
  await client.pull(tagged, (p) => { if (!opts.quiet) printer.handle(p); });
  process.stdout.write(`${tagged}\n`);
  return 0;
}

const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT',
  Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'SIZE',
};

export async function imagesCommand(repo: string | undefined, opts: { quiet?: boolean; noTrunc?: boolean; filter?: string[]; format?: string }): Promise<number> {
  const client = await connect();
  const filters = filterFlags(opts.filter);
  if (repo !== undefined) (filters.reference ??= []).push(repo);
  const list = (await client.listImages(filters)).sort((a, b) => b.Created - a.Created);
  const shortId = (id: string) => (opts.noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12));
  if (opts.quiet) {
    for (const id of new Set(list.map((i) => shortId(i.Id)))) process.stdout.write(`${id}\n`);
    return 0;
  }
  if (opts.format !== undefined) {
    const now = Date.now();
    // one row per tag, as docker's table; an untagged image is one <none> row
    const items = list.flatMap((img) => (img.RepoTags.length ? img.RepoTags : ['<none>:<none>']).map((tag) => {
      const at = tag.lastIndexOf(':');
      const repository = tag.slice(0, at);
      const digest = (img.RepoDigests ?? []).find((d) => d.startsWith(`${repository}@`));
      const shared = img.SharedSize ?? -1;
      return withLabelMethod({
        ID: shortId(img.Id), Repository: repository, Tag: tag.slice(at + 1), Digest: digest ? digest.slice(digest.indexOf('@') + 1) : '<none>',
        CreatedSince: `${humanDuration(Math.max(0, now - img.Created * 1000))} ago`, CreatedAt: goTime(img.Created * 1000),
        Size: humanSize(img.Size), VirtualSize: humanSize(img.Size),
        Containers: img.Containers === undefined || img.Containers < 0 ? 'N/A' : String(img.Containers),
        SharedSize: shared < 0 ? 'N/A' : humanSize(shared), UniqueSize: shared < 0 ? 'N/A' : humanSize(img.Size - shared),
      }, img.Labels);
    }));
    const text = await formatList(opts.format, items, IMAGE_HEADERS);
    if (text !== undefined) { process.stdout.write(text); return 0; }
  }
  process.stdout.write(table(imageRows(list, Date.now())));
  return 0;
}

export async function tagCommand(source: string, target: string): Promise<number> {
  const client = await connect();
  await client.tagImage(source, target);
  return 0;
}

export async function rmiCommand(refs: string[], opts: { force?: boolean }): Promise<number> {
  const client = await connect();
  return forEach(refs, async (ref) => {
    for (const item of await client.removeImage(ref, !!opts.force)) {
      process.stdout.write('Untagged' in item ? `Untagged: ${item.Untagged}\n` : `Deleted: ${item.Deleted}\n`);
    }
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function loginCommand(server: string | undefined, opts: { username?: string; password?: string; passwordStdin?: boolean }): Promise<number> {
  if (!server) throw invalidArgument('a registry server is required (minidock has no default registry login)');
  if (opts.password && opts.passwordStdin) throw invalidArgument('--password and --password-stdin are mutually exclusive');
  if (opts.passwordStdin && !opts.username) throw invalidArgument('must provide --username with --password-stdin');
  if (!opts.username) throw invalidArgument('--username is required (interactive login is not supported)');
  const password = opts.passwordStdin ? await readStdin() : opts.password;
  if (password === undefined) throw invalidArgument('--password or --password-stdin is required (interactive login is not supported)');
  if (opts.password) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  const client = await connect();
  const out = await client.login(server, opts.username, password);
  process.stdout.write(`${out.Status}\n`);
  return 0;
}

export async function logoutCommand(server: string | undefined): Promise<number> {
  if (!server) throw invalidArgument('a registry server is required');
  const client = await connect();
  const out = await client.json<{ Removed: boolean }>('POST', '/auth/logout', { body: { serveraddress: server } });
  process.stdout.write(out.Removed ? `Removing login credentials for ${server}\n` : `Not logged in to ${server}\n`);
  return 0;
}
