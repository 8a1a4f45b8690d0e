// GET /containers/{id}/top: dockerd runs `ps -ef` and keeps the container's pids; minidock
// computes the same columns (UID PID PPID C STIME TTY TIME CMD) from /proc for the pids of
// the container's cgroup. ps_args are not supported (refused by the API).
import fs from 'node:fs/promises';
import type { EngineCore } from './core.js';
import { notRunning } from './record.js';
import { cgroupOf } from './resources.js';

export const TOP_TITLES = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'];
/** USER_HZ: the unit of /proc/<pid>/stat times (100 on every Linux ABI minidock runs on). */
const HZ = 100;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ProcFacts {
  pid: number;
  /** /proc/<pid>/stat */
  stat: string;
  /** /proc/<pid>/status (for the real uid) */
  status: string;
  /** /proc/<pid>/cmdline, NUL-separated */
  cmdline: string;
}

/** The tty name of a stat tty_nr (ps: pts/N, ttyN, ? when none). */
function ttyName(nr: number): string {
  if (nr === 0) return '?';
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  return '?';
}

const two = (n: number) => String(n).padStart(2, '0');

/** One `ps -ef` row from /proc texts; `now` and `bootTime` in ms since the epoch. */
export function psRow(p: ProcFacts, o: { now: number; bootTime: number; users: Map<number, string> }): string[] {
  const close = p.stat.lastIndexOf(')');
  const comm = p.stat.slice(p.stat.indexOf('(') + 1, close);
  const f = p.stat.slice(close + 2).split(' ');
  // fields after comm: state(0) ppid(1) ... tty_nr(4) ... utime(11) stime(12) ... starttime(19)
  const ppid = Number(f[1]);
  const ttyNr = Number(f[4]);
  const cpuTicks = Number(f[11]) + Number(f[12]);
  const start = o.bootTime + (Number(f[19]) / HZ) * 1000;
  const uid = Number(/^Uid:\s+(\d+)/m.exec(p.status)?.[1] ?? 0);
  const elapsed = Math.max(0, (o.now - start) / 1000);
  const c = elapsed > 0 ? Math.floor((cpuTicks / HZ / elapsed) * 100) : 0;
  const s = new Date(start);
  const today = new Date(o.now).toDateString() === s.toDateString();
  const stime = today ? `${two(s.getHours())}:${two(s.getMinutes())}` : `${MONTHS[s.getMonth()]}${two(s.getDate())}`;
  const secs = Math.floor(cpuTicks / HZ);
  const days = Math.floor(secs / 86400);
  const time = `${days ? `${days}-` : ''}${two(Math.floor((secs % 86400) / 3600))}:${two(Math.floor((secs % 3600) / 60))}:${two(secs % 60)}`;
  const args = p.cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  const cmd = args.length ? args.join(' ') : `[${comm}]`;
  return [o.users.get(uid) ?? String(uid), String(p.pid), String(ppid), String(c), stime, ttyName(ttyNr), time, cmd];
}

/** The host's user names (ps shows names from the host's passwd, as dockerd's ps does). */
function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

export async function containerTop(core: EngineCore, ref: string): Promise<{ Titles: string[]; Processes: string[][] }> {
  const rec = core.store.find(ref);
  if (rec.State.Status !== 'running') throw notRunning(rec);
  const pids = await (await cgroupOf(core, rec)).pids();
  const procStat = await fs.readFile('/proc/stat', 'utf8');
  const bootTime = Number(/^btime (\d+)/m.exec(procStat)?.[1] ?? 0) * 1000;
  const users = parsePasswd(await fs.readFile('/etc/passwd', 'utf8').catch(() => '')); // no names: top shows uids
  const now = Date.now();
  const rows: string[][] = [];
  for (const pid of [...pids].sort((a, b) => a - b)) {
    try {
      const [stat, status, cmdline] = await Promise.all(['stat', 'status', 'cmdline'].map((f) => fs.readFile(`/proc/${pid}/${f}`, 'utf8')));
      rows.push(psRow({ pid, stat: stat!, status: status!, cmdline: cmdline! }, { now, bootTime, users }));
    } catch (err) {
      // a process that exited between the cgroup's list and its /proc read is not listed (as ps)
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return { Titles: [...TOP_TITLES], Processes: rows };
}
