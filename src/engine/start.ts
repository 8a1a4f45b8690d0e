// `start`: the process spec, the etc files, held host ports, the runtime's start with the
// networks connected before the command runs, then the record says running. A failed start
// is undone (ports, rules, endpoints; with --rm the record) and its error is what the user sees.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MinidockError } from '../errors.js';
import { containerSecurity } from './security.js';
import type { EngineCore } from './core.js';
import { networkModeName } from './create.js';
import { hostnameFile } from './etc-files.js';
import { planNamespaces } from './namespaces.js';
import { withUserResolv } from '../network/resolvconf.js';
import { portMappings } from './ports.js';
import { processSpec } from './process-spec.js';
import { assertTransition, type ContainerRecord } from './record.js';
import type { AttachHub } from './attach-hub.js';
import { emitNetworkEvents, watchExit } from './exits.js';
import { startHealthcheck } from './health.js';
import { logPolicy } from '../wire/log-config.js';
import { phases } from './phases.js';
import { startsWithEngine } from './restart-policy.js';
import { connectAll, writeHosts } from './container-net.js';
import { releaseSteps, startMounts } from './mounts.js';
import { createCgroup, destroyCgroup } from './resources.js';
import type { ContainerSpec } from './services.js';

// Networks are IPv4-only, so IPv6 is off inside the container, as Docker does.
const CONTAINER_NET_SYSCTLS = { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' };

export async function startContainer(core: EngineCore, hub: AttachHub, ref: string): Promise<void> {
  const rec0 = core.store.find(ref);
  await core.lock(rec0.Id).run(async () => {
    const rec = core.store.find(rec0.Id);
    if (rec.State.Status === 'running') return; // docker: starting a running container is a no-op
    rec.State.Restarting = false;
    rec.State.ManuallyStopped = false;
    assertTransition(rec, 'running');
    try {
      await startLocked(core, hub, rec);
    } catch (err) {
      // The start error is what the user must see; the undo's own failures go to the engine log.
      await failStart(core, hub, rec, err);
      throw err;
    }
  });
}

async function startLocked(core: EngineCore, hub: AttachHub, rec: ContainerRecord): Promise<void> {
  const { images, runtime, network } = core.services;
  const files = core.etcPaths(rec.Id);
  const t = phases(core, 'start', rec.Id);
  // a pod's holder has no image: an empty root, and no command (the shim's hold mode)
  const image = rec.Hold ? undefined : await images.get(rec.Image);
  const layerDirs = image ? images.layerDirs(image) : [];
  const mode = networkModeName(rec.HostConfig.NetworkMode);
  // holders of joined namespaces must run now (docker's "cannot join ... of a non running container")
  const ns = planNamespaces(core, rec);
  const holder = ns.netHolder;
  // --network container:: docker gives the joiner its holder's hostname and etc files
  if (holder) rec.Config.Hostname = holder.Config.Hostname;
  const hostname = rec.Config.Hostname || os.hostname();
  const etc = holder ? core.etcPaths(holder.Id) : files;
  const { maskedPaths, readonlyPaths, ...security } = await containerSecurity(rec.HostConfig);
  const proc = image ? await processSpec(runtime, layerDirs, image.config, {
    args: [rec.Path, ...rec.Args], env: rec.Config.Env, workingDir: rec.Config.WorkingDir, user: rec.Config.User,
    hostname, tty: !!rec.Config.Tty,
  }, security) : { args: [], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [], tty: false, capabilities: [], noNewPrivileges: true, seccomp: null };
  t.mark('spec');
  await Promise.all([
    ...(holder ? [] : [
      fs.writeFile(files.hostname, hostnameFile(hostname)),
      writeHosts(core, rec, hostname, mode === 'host' ? 'host' : []),
      writeResolvConf(rec, files.resolv, mode === 'host' ? await fs.readFile('/etc/resolv.conf', 'utf8') : network.resolvConf(mode)),
    ]),
    fs.rm(files.exit, { force: true }),
  ]);
  t.mark('etc');
  const wanted = mode === 'host' || mode === 'none' || holder ? [] : portMappings(rec.HostConfig.PortBindings, rec.Config.ExposedPorts ?? {}, rec.HostConfig.PublishAllPorts);
  const reserved = wanted.length ? await network.reservePorts(rec.Id, wanted) : [];
  const { mounts } = await startMounts(core, rec, layerDirs);
  t.mark('ports+mounts');
  const log = logPolicy(rec.HostConfig.LogConfig);
  const spec: ContainerSpec = {
    ...proc, ...consoleSizeOf(rec), maskedPaths, readonlyPaths, mounts, readonlyRootfs: !!rec.HostConfig.ReadonlyRootfs,
    id: rec.Id, layerDirs, upperDir: path.join(files.root, 'upper'), workDir: path.join(files.root, 'work'),
    hostname, openStdin: !!rec.Config.OpenStdin,
    userns: rec.Userns, network: mode === 'host' ? 'host' : 'new',
    // a joined network namespace is its holder's to configure
    sysctls: mode === 'host' || holder ? {} : CONTAINER_NET_SYSCTLS,
    ...ns.spec, init: !!rec.HostConfig.Init, hold: !!rec.Hold,
    etcFiles: { hostname: etc.hostname, hosts: etc.hosts, resolvConf: etc.resolv },
    // --log-driver none keeps nothing; the file drivers rotate (wire/log-config.ts)
    logPath: files.log, logLimit: { maxSize: log.maxSize, maxFiles: log.maxFiles }, logDiscard: log.driver === 'none',
    exitPath: files.exit, runDir: core.store.runDir(rec.Id),
  };
  // never two shims on one container: one left by an interrupted start goes first
  const orphan = runtime.liveShim(rec.Id);
  if (orphan !== undefined) await runtime.killShim(orphan);
  let endpoints: ContainerRecord['Endpoints'] = {};
  // The cgroup exists, limits applied, before the process runs: the shim holds its child
  // before exec, which joins the cgroup first (its children follow).
  const cgroup = await createCgroup(core, rec);
  spec.cgroupView = cgroup.view;
  t.mark('cgroup');
  const started = await runtime.start(spec, async (pid, shim) => {
    t.mark('shim'); // the shim's rootfs and namespaces, up to its hold before exec (files and spawn before it)
    await cgroup.addProcess(pid);
    t.mark('cgroup-join');
    // the shim makes the veths (netlink, no `ip` process spawned)
    if (mode !== 'host' && !holder) endpoints = await connectAll(core, rec, pid, hostname, mode, reserved, shim?.veth);
    t.mark('net');
    await hub.bindPending(rec.Id);
    t.mark('attach');
  }, (step) => t.mark(step));
  t.mark('exec');
  rec.State = { ...rec.State, Status: 'running', Restarting: false, Pid: started.pid, ShimPid: started.shimPid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), OOMKilled: false, Paused: false };
  rec.Endpoints = endpoints;
  rec.Ports = Object.values(endpoints).flatMap((e) => e.ports);
  startHealthcheck(core, rec);
  // 'running' only means something while this host is up: an engine killed now leaves the file in
  // the page cache, read back at its restart; a host crash ends the process anyway. So no fsync
  // (~8 ms of a start), except where the host's next boot reads it: a container whose restart
  // policy brings it back with the engine must be known to have started.
  const policy = rec.HostConfig.RestartPolicy;
  await core.store.save(rec, { sync: !!policy && startsWithEngine(policy, false) });
  await emitNetworkEvents(core, rec.Id, 'connect', Object.values(endpoints));
  core.emit(rec, 'start');
  watchExit(core, rec.Id);
  t.mark('record');
  t.done();
}

/** The container's resolv.conf: `base` with the user's --dns, --dns-search, --dns-option. */
async function writeResolvConf(rec: ContainerRecord, file: string, base: string): Promise<void> {
  const hc = rec.HostConfig;
  const custom = hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length;
  await fs.writeFile(file, custom ? withUserResolv(base, { dns: hc.Dns, search: hc.DnsSearch, options: hc.DnsOptions }) : base);
}

/** Undo a failed start: nothing of the attempt is left (ports, rules, endpoints); --rm removes the record. */
async function failStart(core: EngineCore, hub: AttachHub, rec: ContainerRecord, err: unknown): Promise<void> {
  await core.teardownLogged(`undo of the failed start of ${rec.Id}`, [
    () => core.services.network.releaseContainer(rec.Id),
    ...releaseSteps(core, rec),
    () => destroyCgroup(core, rec),
  ]);
  hub.failPending(rec.Id, err);
  rec.State.Error = err instanceof Error ? err.message : String(err);
  rec.State.ExitCode = err instanceof MinidockError && err.exitCode !== 125 ? err.exitCode : 128;
  rec.Endpoints = {};
  rec.Ports = [];
  if (rec.HostConfig.AutoRemove) {
    await core.teardownLogged(`removal of ${rec.Id} after its failed start`, [() => core.store.delete(rec.Id)]);
    core.signals.emit(`removed:${rec.Id}`, rec.State.ExitCode, rec.State.Error);
  } else {
    await core.teardownLogged(`record of the failed start of ${rec.Id}`, [() => core.store.save(rec)]);
    core.signals.emit(`exit:${rec.Id}`, rec.State.ExitCode, rec.State.Error);
  }
}

/** docker's ConsoleSize [height, width] as the tty's first size (a zero in either: none). */
function consoleSizeOf(rec: ContainerRecord): { consoleSize?: { rows: number; cols: number } } {
  const [rows, cols] = rec.HostConfig.ConsoleSize ?? [0, 0];
  return rec.Config.Tty && rows && cols ? { consoleSize: { rows, cols } } : {};
}
