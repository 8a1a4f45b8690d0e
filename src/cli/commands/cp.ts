// minidock cp: copy between a container and the host through the archive endpoints, with
// docker's rules (cli/command/container/cp.go): `ctr:path -` writes a tar to stdout,
// `- ctr:dir` reads one from stdin, trailing `/` and `/.`, -a (keep the tar's owners), -L.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { connect } from '../connect.js';
import { MinidockError } from '../../errors.js';
import { isGoDir, GO_MODE, type PathStat } from '../../wire/path-stat.js';
import { assertsDirectory, prepareArchiveCopy, rebaseName, splitCpArg, splitDirEntry, type CopyDest } from '../cp-rules.js';
import { extractLocal, packLocal } from '../cp-local.js';

const cpError = (message: string) => new MinidockError('InvalidArgument', message, { status: 400, exitCode: 1 });

export interface CpOptions { archive?: boolean; followLink?: boolean }

/** A container path as the daemon takes it: relative ones are relative to the root. */
const inContainer = (p: string) => (p.startsWith('/') ? p : `/${p}`);

export async function cpCommand(source: string, dest: string, opts: CpOptions): Promise<number> {
  if (source === '') throw cpError('source can not be empty');
  if (dest === '') throw cpError('destination can not be empty');
  const src = splitCpArg(source);
  const dst = splitCpArg(dest);
  if (src.container !== undefined && dst.container !== undefined) throw cpError('copying between containers is not supported');
  if (src.container === undefined && dst.container === undefined) throw cpError('must specify at least one container source');
  if (src.container !== undefined) return copyFromContainer(src.container, inContainer(src.path), dst.path, opts);
  return copyToContainer(src.path, dst.container!, inContainer(dst.path), opts);
}

/** The local destination as docker's CopyInfoDestinationPath sees it (a link at the end followed). */
function localDest(p: string): CopyDest {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (st) return { path: p, exists: true, isDir: st.isDirectory() };
  const { dir } = splitDirEntry(path.resolve(p));
  const parent = fs.statSync(dir, { throwIfNoEntry: false });
  if (!parent) throw cpError(`lstat ${dir}: no such file or directory`);
  if (!parent.isDirectory()) throw cpError(`${dir}: not a directory`);
  return { path: p, exists: false, isDir: false };
}

async function copyFromContainer(ctr: string, srcPath: string, dstPath: string, opts: CpOptions): Promise<number> {
  const client = await connect();
  let from = srcPath;
  let rebase: string | undefined;
  if (opts.followLink) {
    const st = await client.statPath(ctr, srcPath);
    if (st.mode & GO_MODE.symlink && st.linkTarget) {
      // the link's target keeps the name the user asked for (docker's GetRebaseName)
      from = st.linkTarget;
      rebase = splitDirEntry(srcPath).base;
      if (assertsDirectory(srcPath) && !assertsDirectory(from)) from += srcPath.endsWith('/.') ? '/.' : '/';
    }
  }
  const { stat, tar } = await client.getArchive(ctr, from);
  if (dstPath === '-') {
    await pipeline(tar, process.stdout);
    return 0;
  }
  const plan = prepareArchiveCopy({ path: from, isDir: isGoDir(stat.mode), rebaseName: rebase === splitDirEntry(from).base ? undefined : rebase }, localDest(dstPath));
  await extractLocal(tar, plan.dir, (n) => rebaseName(n, plan.rename));
  return 0;
}

/** The container destination: a link at the end is followed once, as docker's CLI does. */
async function containerDest(client: Awaited<ReturnType<typeof connect>>, ctr: string, dstPath: string): Promise<CopyDest & { stat?: PathStat }> {
  const tryStat = (p: string) => client.statPath(ctr, p).catch((err: unknown) => {
    if (err instanceof MinidockError && err.status === 404) return undefined;
    throw err;
  });
  let p = dstPath;
  let st = await tryStat(p);
  if (st && st.mode & GO_MODE.symlink) {
    p = st.linkTarget.startsWith('/') ? st.linkTarget : path.posix.join(path.posix.dirname(dstPath), st.linkTarget);
    st = await tryStat(p);
  }
  if (st && !isGoDir(st.mode) && (st.mode & (GO_MODE.symlink | GO_MODE.namedPipe | GO_MODE.socket | GO_MODE.device | GO_MODE.charDevice | GO_MODE.irregular))) {
    throw cpError(`destination "${ctr}:${dstPath}" must be a directory or a regular file`);
  }
  return { path: p, exists: !!st, isDir: !!st && isGoDir(st.mode), stat: st };
}

async function copyToContainer(srcPath: string, ctr: string, dstPath: string, opts: CpOptions): Promise<number> {
  const client = await connect();
  const dst = await containerDest(client, ctr, dstPath);
  if (srcPath === '-') {
    if (!dst.isDir) throw cpError(`destination "${ctr}:${dstPath}" must be a directory`);
    await client.putArchive(ctr, dst.path, process.stdin, { noOverwriteDirNonDir: true, copyUIDGID: opts.archive });
    return 0;
  }
  // the local source (docker's CopyInfoSourcePath): its parent's links resolved, the final one only with -L
  const abs = path.resolve(srcPath);
  const { dir, base } = splitDirEntry(abs);
  let resolved = base === '.' ? fs.realpathSync(dir) : path.join(fs.realpathSync(dir), base);
  if (opts.followLink) resolved = fs.realpathSync(resolved);
  const st = fs.lstatSync(resolved, { throwIfNoEntry: false });
  if (!st) throw cpError(`lstat ${abs}: no such file or directory`);
  if (assertsDirectory(srcPath) && !st.isDirectory()) throw cpError(`${srcPath}: not a directory`);
  const srcBase = splitDirEntry(srcPath).base;
  const tarName = srcBase === '.' ? '.' : path.basename(srcPath.replace(/\/+$/, '')) || path.basename(resolved);
  const plan = prepareArchiveCopy({ path: srcPath, isDir: st.isDirectory() }, dst);
  const packed = packLocal(resolved, rebaseName(tarName, plan.rename));
  await client.putArchive(ctr, plan.dir, packed, { noOverwriteDirNonDir: true, copyUIDGID: opts.archive });
  return 0;
}
