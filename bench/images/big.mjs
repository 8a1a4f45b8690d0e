#!/usr/bin/env node
// Builds localhost:5000/big for bench/pull.sh (issue 14: "cold pull of a 140 MB single-layer
// image"): busybox plus the host's /usr/share and /usr/lib/x86_64-linux-gnu files under 8 MiB,
// walked in name order until BIG_RAW_MB (default 290) of file content, as ONE gzip layer (about
// 140 MB here; thousands of files, small and large: docs, locales, shared libraries, like a
// language runtime's image). Pushed with the image builder's registry client (rootfs/lib.mjs).
// Usage: node bench/images/big.mjs [registry]   (the registry on loopback only)
import fs from 'node:fs/promises';
import path from 'node:path';
import { busyboxEntries } from './entries.mjs';
import { packEntries, makeLayer, makeConfig, Registry, pushImage } from '../../rootfs/lib.mjs';

const RAW = Number(process.env.BIG_RAW_MB ?? 290) * 1024 * 1024;
const { add, sorted: sortedEntries } = await busyboxEntries();
for (const d of ['tmp', 'root', 'proc', 'sys', 'dev', 'run', 'etc']) add({ name: d, type: 'directory', mode: d === 'tmp' ? 0o1777 : 0o755 });

let raw = 0;
let files = 0;
async function walk(dir) {
  for (const n of (await fs.readdir(dir)).sort()) {
    if (raw >= RAW) return;
    const abs = path.join(dir, n);
    const st = await fs.lstat(abs);
    const name = abs.slice(1);
    if (st.isDirectory()) { add({ name, type: 'directory', mode: st.mode & 0o7777 }); await walk(abs); }
    else if (st.isSymbolicLink()) add({ name, type: 'symlink', mode: 0o777, linkname: await fs.readlink(abs) });
    else if (st.isFile() && st.size < 8 * 1024 * 1024) {
      const content = await fs.readFile(abs).catch(() => undefined); // unreadable: left out
      if (!content) continue;
      add({ name, type: 'file', mode: st.mode & 0o7777, content });
      raw += content.length;
      files++;
    }
  }
}
for (const d of ['/usr/share', '/usr/lib/x86_64-linux-gnu']) await walk(d);

const layer = makeLayer(await packEntries(sortedEntries()));
const config = makeConfig({ layers: [layer], config: { Cmd: ['sh'] }, comment: 'minidock bench: one big layer' });
const reg = new Registry(process.argv[2] ?? 'http://127.0.0.1:5000');
await pushImage(reg, 'big', 'latest', { layers: [layer], config });
console.log(`pushed big:latest: ${files} files, ${(raw / 1048576).toFixed(0)} MiB of content, one layer of ${(layer.size / 1048576).toFixed(1)} MiB (${layer.digest})`);
