// The entry list both bench images start from (big.mjs, iperf3.mjs): `add` puts an entry and
// its missing parent dirs (root-owned, fixed mtime); the host's static busybox with every applet
// as a symlink in /bin comes first. `sorted()` gives the entries in name order for packEntries.
import fs from 'node:fs/promises';
import { execFileSync } from 'node:child_process';

const T0 = new Date('2024-01-01T00:00:00Z');

export async function busyboxEntries() {
  const base = { uid: 0, gid: 0, mtime: T0 };
  const entries = new Map();
  const add = (e) => {
    const parts = e.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!entries.has(d)) entries.set(d, { ...base, name: d, type: 'directory', mode: 0o755 });
    }
    entries.set(e.name, { ...base, ...e });
  };
  add({ name: 'bin/busybox', type: 'file', mode: 0o755, content: await fs.readFile('/bin/busybox') });
  for (const a of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n')) {
    if (a && a !== 'busybox') add({ name: `bin/${a}`, type: 'symlink', mode: 0o777, linkname: 'busybox' });
  }
  const sorted = () => [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { add, sorted };
}
