// The local side of cp: a tar of a host path (lstat only, links kept as links) and the
// extraction of a tar into a host directory (names checked, never through a symlink, owners
// not changed, as docker's CopyTo does with NoLchown).
import fs, { constants as C } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { entryComponents } from '../wire/tar-names.js';
import { MinidockError } from '../errors.js';

const cpError = (message: string) => new MinidockError('InvalidArgument', message, { status: 400, exitCode: 1 });

/** A tar of `abs` whose top entry is named `name`. */
export function packLocal(abs: string, name: string): Readable {
  const pack = tar.pack();
  const links = new Map<string, string>();
  const add = async (p: string, tarName: string): Promise<void> => {
    const st = fs.lstatSync(p);
    const base = { name: tarName, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      pack.entry({ ...base, type: 'directory' });
      for (const child of fs.readdirSync(p).sort()) await add(path.join(p, child), `${tarName}/${child}`);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...base, type: 'symlink', linkname: fs.readlinkSync(p) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) { pack.entry({ ...base, type: 'link', linkname: first }); return; }
      if (st.nlink > 1) links.set(key, tarName);
      const fd = fs.openSync(p, C.O_RDONLY | C.O_NOFOLLOW);
      let data: Buffer;
      try { data = fs.readFileSync(fd); } finally { fs.closeSync(fd); }
      pack.entry({ ...base, type: 'file', size: data.length }, data);
    } else if (st.isFIFO()) {
      pack.entry({ ...base, type: 'fifo' });
    } // devices and sockets are left out
  };
  add(abs, name).then(() => pack.finalize(), (err: Error) => pack.destroy(err));
  return Readable.from(pack);
}

/** Extracts `input` into the host directory `dir`, renaming entry names with `rename`. */
export async function extractLocal(input: Readable, dir: string, rename: (name: string) => string): Promise<void> {
  const ex = tar.extract();
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex as unknown as NodeJS.WritableStream);
  const dirTimes: { abs: string; mtime: Date }[] = [];
  for await (const entry of ex) {
    const h = entry.header;
    const comps = entryComponents(rename(h.name));
    if (comps.length === 0) { entry.resume(); continue; }
    let cur = dir;
    for (const c of comps.slice(0, -1)) {
      cur = path.join(cur, c);
      const st = fs.lstatSync(cur, { throwIfNoEntry: false });
      if (!st) fs.mkdirSync(cur, { mode: 0o755 });
      else if (!st.isDirectory()) throw cpError(`refusing tar entry ${h.name}: ${cur} is not a directory`);
    }
    const abs = path.join(dir, ...comps);
    const existing = fs.lstatSync(abs, { throwIfNoEntry: false });
    const isDir = h.type === 'directory';
    if (existing?.isDirectory() && !isDir) throw cpError(`cannot overwrite directory "${abs}" with non-directory "${h.name}"`);
    if (existing && !existing.isDirectory() && isDir) throw cpError(`cannot overwrite non-directory "${abs}" with directory "${h.name}"`);
    if (existing && !isDir) fs.unlinkSync(abs);
    switch (h.type) {
      case 'directory':
        if (!existing) fs.mkdirSync(abs, { mode: 0o700 });
        entry.resume();
        break;
      case 'file': case 'contiguous-file': {
        const fd = fs.openSync(abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
        try { for await (const chunk of entry) fs.writeSync(fd, chunk as Buffer); } finally { fs.closeSync(fd); }
        break;
      }
      case 'symlink':
        entry.resume();
        fs.symlinkSync(h.linkname ?? '', abs);
        break;
      case 'link': {
        entry.resume();
        const src = path.join(dir, ...entryComponents(rename(h.linkname ?? '')));
        const st = fs.lstatSync(src, { throwIfNoEntry: false });
        if (!st?.isFile()) throw cpError(`refusing tar entry ${h.name}: hard link target ${h.linkname} is not a file in the archive`);
        fs.linkSync(src, abs);
        break;
      }
      default:
        entry.resume();
        throw cpError(`refusing tar entry ${h.name}: minidock does not support ${h.type} entries in cp yet`);
    }
    if (h.type === 'symlink') {
      if (h.mtime) fs.lutimesSync(abs, h.mtime, h.mtime);
      continue;
    }
    fs.chmodSync(abs, (h.mode ?? 0o644) & 0o7777);
    if (h.mtime) {
      if (isDir) dirTimes.push({ abs, mtime: h.mtime }); else fs.utimesSync(abs, h.mtime, h.mtime);
    }
  }
  for (const d of dirTimes.reverse()) fs.utimesSync(d.abs, d.mtime, d.mtime);
}
