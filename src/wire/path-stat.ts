// The X-Docker-Container-Path-Stat header of the archive endpoints: base64 of a JSON
// {name,size,mode,mtime,linkTarget}, mode as Go's os.FileMode bits (what dockerd sends).
// The one codec for it: the engine encodes, the client decodes.

export interface PathStat { name: string; size: number; mode: number; mtime: string; linkTarget: string }

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

// Go's os.FileMode type bits
export const GO_MODE = {
  dir: 2 ** 31, append: 2 ** 30, exclusive: 2 ** 29, temporary: 2 ** 28, symlink: 2 ** 27, device: 2 ** 26,
  namedPipe: 2 ** 25, socket: 2 ** 24, setuid: 2 ** 23, setgid: 2 ** 22, charDevice: 2 ** 21, sticky: 2 ** 20, irregular: 2 ** 19,
} as const;

const S_IFMT = 0o170000;

/** A unix st_mode as Go's os.FileMode (fs.FileMode from syscall mode, as os.Lstat builds it). */
export function goFileMode(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & S_IFMT) {
    case 0o040000: m += GO_MODE.dir; break;
    case 0o120000: m += GO_MODE.symlink; break;
    case 0o010000: m += GO_MODE.namedPipe; break;
    case 0o140000: m += GO_MODE.socket; break;
    case 0o060000: m += GO_MODE.device; break;
    case 0o020000: m += GO_MODE.device + GO_MODE.charDevice; break;
    default: break;
  }
  if (stMode & 0o4000) m += GO_MODE.setuid;
  if (stMode & 0o2000) m += GO_MODE.setgid;
  if (stMode & 0o1000) m += GO_MODE.sticky;
  return m;
}

export const isGoDir = (mode: number) => mode >= GO_MODE.dir;

export function encodePathStat(s: PathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}

/** Decodes the header; a missing or malformed one is an error naming the header. */
export function decodePathStat(header: string | string[] | undefined): PathStat {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) throw new Error(`missing ${PATH_STAT_HEADER} header`);
  const v = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Partial<PathStat>;
  if (typeof v.name !== 'string' || typeof v.mode !== 'number') throw new Error(`malformed ${PATH_STAT_HEADER} header`);
  return { name: v.name, size: Number(v.size ?? 0), mode: v.mode, mtime: String(v.mtime ?? ''), linkTarget: String(v.linkTarget ?? '') };
}
