#!/usr/bin/env node
// Builds localhost:5000/iperf3 for bench/net.sh: busybox (sh, nc, ip) plus the host's
// /usr/bin/iperf3 and the shared libraries ldd lists for it, in one layer, pushed with the
// image builder's registry client (rootfs/lib.mjs). Usage: node bench/images/iperf3.mjs [registry]
import fs from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { busyboxEntries } from './entries.mjs';
import { packEntries, makeLayer, makeConfig, Registry, pushImage } from '../../rootfs/lib.mjs';

const { add, sorted: sortedEntries } = await busyboxEntries();
add({ name: 'usr/bin/iperf3', type: 'file', mode: 0o755, content: await fs.readFile('/usr/bin/iperf3') });
const libs = execFileSync('ldd', ['/usr/bin/iperf3'], { encoding: 'utf8' })
  .split('\n').map((l) => l.match(/(\/\S+)\s+\(0x/)?.[1]).filter(Boolean);
for (const lib of libs) add({ name: lib.slice(1), type: 'file', mode: 0o755, content: await fs.readFile(await fs.realpath(lib)) });
add({ name: 'etc/passwd', type: 'file', mode: 0o644, content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' });
add({ name: 'etc/group', type: 'file', mode: 0o644, content: 'root:x:0:\nnobody:x:65534:\n' });
for (const d of ['tmp', 'root', 'proc', 'sys', 'dev', 'run']) add({ name: d, type: 'directory', mode: d === 'tmp' ? 0o1777 : 0o755 });

const layer = makeLayer(await packEntries(sortedEntries()));
const config = makeConfig({ layers: [layer], config: { Cmd: ['iperf3', '-s'] }, comment: 'minidock bench iperf3 image' });
const reg = new Registry(process.argv[2] ?? 'http://127.0.0.1:5000');
await pushImage(reg, 'iperf3', 'latest', { layers: [layer], config });
console.log(`pushed iperf3:latest (${libs.length} libraries, layer ${layer.digest})`);
