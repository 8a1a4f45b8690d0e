// In-memory stand-ins for the image, runtime and network services, so engine and API logic
// can be unit-tested without root. They record calls and let the test end containers.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { ImageNotFound, MinidockError } from '../../src/errors.js';
import type {
  AttachStreamLike, ContainerSpec, Endpoint, EndpointRequest, ExitStatus, ImageRecord, ImageServiceLike, NetworkRecord,
  NetworkServiceLike, PortMapping, RuntimeLike, Services, ExecProcessLike, VolumeServiceLike,
  CgroupLayout, CgroupLimits, CgroupServiceLike, ContainerCgroup,
} from '../../src/engine/services.js';
import { ANONYMOUS_LABEL, VolumeInUse, VolumeNotFound, type IdShift, type InUse, type PruneReport, type VolumeFilters, prunePredicate, type VolumeCreateOptions, type VolumeInfo, type VolumeRecord } from '../../src/volume/index.js';
import type { CgroupCapabilities, CgroupStats, ValidatedLimits } from '../../src/runtime/cgroups/index.js';
import { validateLimits } from '../../src/runtime/cgroups/index.js';
import type { PolicySource } from '../../src/network/index.js';

export const BUSYBOX: ImageRecord = {
  id: 'sha256:' + 'b'.repeat(64), repoTags: ['busybox:latest'], repoDigests: [], created: '2024-01-01T00:00:00Z', size: 4_261_000,
  architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Env: ['PATH=/bin'], ExposedPorts: { '80/tcp': {} } }, layers: ['sha256:' + 'c'.repeat(64)],
};

export class FakeImages implements ImageServiceLike {
  pulls: string[] = [];
  have = new Map<string, ImageRecord>([['busybox', BUSYBOX], ['busybox:latest', BUSYBOX], [BUSYBOX.id, BUSYBOX]]);
  async init() {}
  async pull(ref: string, opts?: { onEvent?: (e: { id: string; status: string; current?: number; total?: number }) => void }) {
    this.pulls.push(ref);
    if (ref.startsWith('missing')) throw new ImageNotFound(ref, 'manifest unknown');
    opts?.onEvent?.({ id: 'latest', status: 'Pulling from library/busybox' });
    opts?.onEvent?.({ id: 'abc', status: 'Downloading', current: 10, total: 100 });
    opts?.onEvent?.({ id: 'abc', status: 'Pull complete' });
    this.have.set(ref, BUSYBOX);
    return BUSYBOX;
  }
  async get(ref: string) {
    const img = this.have.get(ref);
    if (!img) throw new ImageNotFound(ref);
    return img;
  }
  async list() { return [BUSYBOX]; }
  async remove(ref: string, opts?: { inUse?: (id: string) => boolean; force?: boolean }) {
    const img = await this.get(ref);
    if (opts?.inUse?.(img.id) && !opts.force) throw new MinidockError('ImageInUse', `image ${ref} is in use`, { status: 409 });
    return { untagged: [ref], deleted: [img.id] };
  }
  layerDirs() { return ['/nonexistent/layer']; }
  async tag(source: string, target: string) { this.have.set(target, await this.get(source)); }
  logins = new Map<string, { username: string; password: string }>();
  async login(server: string, creds: { username: string; password: string }) {
    if (creds.password === 'wrong') throw new MinidockError('Unauthorized', `login to ${server} failed: incorrect username or password`, { status: 401 });
    this.logins.set(server, creds);
  }
  async logout(server: string) { return this.logins.delete(server); }
  async history(): Promise<never> { throw new MinidockError('InvalidArgument', 'the fake image service has no history', { status: 400 }); }
  async save(): Promise<never> { throw new MinidockError('InvalidArgument', 'the fake image service cannot save', { status: 400 }); }
  async load(): Promise<never> { throw new MinidockError('InvalidArgument', 'the fake image service cannot load', { status: 400 }); }
  async commit(): Promise<never> { throw new MinidockError('InvalidArgument', 'the fake image service cannot commit', { status: 400 }); }
  async push(): Promise<never> { throw new MinidockError('InvalidArgument', 'the fake image service cannot push', { status: 400 }); }
}

export class FakeStream extends EventEmitter implements AttachStreamLike {
  written: Buffer[] = [];
  stdinClosed = false;
  resized: [number, number][] = [];
  closed = false;
  onData(cb: (stream: 1 | 2, data: Buffer) => void) { this.on('data', cb); }
  onEnd(cb: () => void) { this.once('end', cb); }
  write(d: Buffer) { this.written.push(d); this.emit('stdin', d); }
  closeStdin() { this.stdinClosed = true; this.emit('stdin-closed'); }
  resize(r: number, c: number) { this.resized.push([r, c]); }
  close() { this.closed = true; }
}

interface Live { spec: ContainerSpec; pid: number; exit: (s: ExitStatus) => void; exited: Promise<ExitStatus>; streams: FakeStream[] }

export class FakeRuntime implements RuntimeLike {
  live = new Map<string, Live>();
  signals: [number, number | string][] = [];
  failStart?: MinidockError;
  /** Output each container prints right after it starts. */
  output?: (spec: ContainerSpec) => { stream: 1 | 2; text: string }[];
  /** Whether a container exits by itself after printing its output. */
  exitAfterOutput?: number;
  alive = new Set<number>();
  exits = new Map<string, ExitStatus>();
  private nextPid = 40000;

  async start(spec: ContainerSpec, beforeExec: (pid: number) => Promise<void>) {
    if (this.failStart) throw this.failStart;
    const pid = this.nextPid++;
    let exit!: (s: ExitStatus) => void;
    const exited = new Promise<ExitStatus>((r) => (exit = r));
    const live: Live = { spec, pid, exit, exited, streams: [] };
    this.live.set(spec.id, live);
    this.alive.add(pid + 1);
    await beforeExec(pid);
    setImmediate(() => {
      for (const o of this.output?.(spec) ?? []) for (const s of live.streams) s.emit('data', o.stream, Buffer.from(o.text));
      if (this.exitAfterOutput !== undefined) this.end(spec.id, this.exitAfterOutput);
    });
    return { pid, shimPid: pid + 1 };
  }
  end(id: string, exitCode: number) {
    const l = this.live.get(id);
    if (!l) return;
    this.live.delete(id);
    this.alive.delete(l.pid + 1);
    for (const s of l.streams) s.emit('end');
    const status = { exitCode, finishedAt: new Date().toISOString() };
    this.exits.set(id, status); // like exit.json: still readable after the shim is gone
    l.exit(status);
  }
  waitExit(id: string) {
    const l = this.live.get(id);
    return l ? l.exited : Promise.resolve(this.exits.get(id) ?? { exitCode: 255, finishedAt: new Date().toISOString() });
  }
  async attach(id: string) {
    const l = this.live.get(id);
    if (!l) throw new MinidockError('ContainerNotRunning', `container ${id} is not running`, { status: 409 });
    const s = new FakeStream();
    l.streams.push(s);
    return s;
  }
  kill(pid: number, signal: NodeJS.Signals | number) {
    this.signals.push([pid, signal]);
    const l = [...this.live.values()].find((x) => x.pid === pid);
    if (!l) throw new MinidockError('ContainerNotRunning', `no process ${pid} to signal`, { status: 409 });
    if (signal === 9 || signal === 15 || signal === 2) setImmediate(() => this.end(l.spec.id, 128 + Number(signal)));
  }
  async readExit(p: string) { return [...this.exits.entries()].find(([id]) => p.includes(id))?.[1]; }
  async exec(id: string, _pid: number, opts: { args: string[] }): Promise<ExecProcessLike> {
    if (!this.live.has(id)) throw new MinidockError('ContainerNotRunning', 'not running', { status: 409 });
    if (opts.args[0] === 'nonexistent') throw new MinidockError('CommandNotFound', `exec: "nonexistent": executable file not found in $PATH`, { status: 400, exitCode: 127 });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    // "cat" echoes stdin; anything else prints its args and exits 3.
    let done!: (c: number) => void;
    const exited = new Promise<number>((r) => (done = r));
    if (opts.args[0] === 'cat') {
      stdin.pipe(stdout);
      stdin.on('end', () => { stderr.end(); done(0); });
    } else {
      stdout.end(opts.args.join(' ') + '\n');
      stderr.end('warn\n');
      done(3);
    }
    return { pid: 777, stdin, stdout, stderr, resize: () => undefined, wait: () => exited };
  }
  async resolveUser(_layerDirs: string[], user: string) {
    if (user === 'nobody-here') throw new MinidockError('InvalidArgument', 'unable to find user nobody-here: no matching entries in passwd file', { status: 400 });
    return { uid: 0, gid: 0, additionalGids: [], home: '/root' };
  }
  async defaultUserns() {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    return { uidMap: [{ containerId: 0, hostId: uid, size: 1 }], gidMap: [{ containerId: 0, hostId: gid, size: 1 }] };
  }
  isAlive(pid: number) { return this.alive.has(pid); }
  /** Shims left by an interrupted start (tests plant them): container id → shim pid. */
  orphans = new Map<string, number>();
  killedShims: number[] = [];
  liveShim(id: string) { return this.orphans.get(id); }
  async killShim(pid: number) {
    this.killedShims.push(pid);
    for (const [id, p] of this.orphans) if (p === pid) this.orphans.delete(id);
  }
}

export class FakeNetwork implements NetworkServiceLike {
  released: string[] = [];
  connected: EndpointRequest[] = [];
  reserved: PortMapping[][] = [];
  nets: NetworkRecord[] = [
    { id: 'n'.repeat(64), name: 'bridge', driver: 'bridge', bridge: 'md0', subnet: '172.30.0.0/16', gateway: '172.30.0.1', internal: false, builtin: true, created: '2024-01-01T00:00:00Z', labels: {}, endpoints: {} },
  ];
  private nextIp = 2;
  async init() {}
  async create(o: { name: string; subnet?: string }) {
    const rec: NetworkRecord = { id: 'u'.repeat(63) + this.nets.length, name: o.name, driver: 'bridge', subnet: o.subnet ?? '10.9.0.0/24', gateway: '10.9.0.1', internal: false, builtin: false, created: new Date().toISOString(), labels: {}, endpoints: {} };
    this.nets.push(rec);
    return rec;
  }
  async list() { return this.nets; }
  async get(x: string) {
    const n = this.nets.find((r) => r.name === x || r.id === x);
    if (!n) throw new MinidockError('NetworkNotFound', `network ${x} not found`, { status: 404 });
    return n;
  }
  async remove(x: string) { this.nets = this.nets.filter((n) => n.id !== x && n.name !== x); }
  async reservePorts(_containerId: string, ports: PortMapping[]) {
    const out = ports.map((p, i) => ({ ...p, hostPort: p.hostPort || 49000 + i }));
    this.reserved.push(out);
    return out;
  }
  async connect(network: string, req: EndpointRequest): Promise<Endpoint> {
    this.connected.push(req);
    const net = await this.get(network);
    return { networkId: net.id, networkName: net.name, ifName: req.ifName, hostVeth: 'veth0', ip: `172.30.0.${this.nextIp++}`, prefixLen: 16, gateway: '172.30.0.1', mac: '02:42:ac:1e:00:02', aliases: req.aliases, ports: req.ports };
  }
  async disconnect() {}
  renamed: [string, string][] = [];
  async renameContainer(id: string, name: string) { this.renamed.push([id, name]); }
  async setupLoopback() {}
  async releaseContainer(id: string) { this.released.push(id); }
  resolvConf() { return 'nameserver 198.18.0.1\n'; }
  policySource?: PolicySource;
  policyRefreshes = 0;
  setPolicySource(source: PolicySource) { this.policySource = source; }
  async refreshPolicies() { this.policyRefreshes++; }
}

/** In-memory volumes: records, in-use from the engine, mounted users, what was populated. */
export class FakeVolumes implements VolumeServiceLike {
  recs = new Map<string, VolumeRecord>();
  mounted = new Map<string, Set<string>>();
  populated: { name: string; target: string; container: string }[] = [];
  private inUse: InUse = () => [];
  private seq = 0;
  setInUse(fn: InUse) { this.inUse = fn; }
  async init() { return { swept: [], warnings: [] }; }
  dataDir(name: string) { return `/fake/volumes/${name}/_data`; }
  async get(name: string) {
    const r = this.recs.get(name);
    if (!r) throw new VolumeNotFound(name);
    return r;
  }
  async create(req: VolumeCreateOptions = {}) {
    const anonymous = !req.name;
    const name = req.name || (++this.seq).toString(16).padStart(64, 'a');
    const have = this.recs.get(name);
    if (have) return have;
    const rec: VolumeRecord = { name, driver: 'local', createdAt: '2024-01-01T00:00:00Z', labels: { ...(req.labels ?? {}), ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) }, options: req.driverOpts && Object.keys(req.driverOpts).length ? req.driverOpts : null };
    this.recs.set(name, rec);
    return rec;
  }
  async list() { return [...this.recs.values()]; }
  async info(rec: VolumeRecord): Promise<VolumeInfo> {
    return { Name: rec.name, Driver: 'local', Mountpoint: this.dataDir(rec.name), CreatedAt: rec.createdAt, Labels: rec.labels, Scope: 'local', Options: rec.options };
  }
  async inspect(name: string) { return this.info(await this.get(name)); }
  async remove(name: string, opts: { force?: boolean } = {}) {
    if (!this.recs.has(name)) { if (opts.force) return; throw new VolumeNotFound(name); }
    const refs = this.inUse(name);
    if (refs.length) throw new VolumeInUse(name, refs);
    this.recs.delete(name);
  }
  async prune(filters: VolumeFilters = {}): Promise<PruneReport> {
    const gone = [...this.recs.values()].filter(prunePredicate(filters, this.inUse)).map((r) => r.name);
    for (const n of gone) this.recs.delete(n);
    return { VolumesDeleted: gone, SpaceReclaimed: 0 };
  }
  async mount(name: string, id: string) {
    await this.get(name);
    this.mounted.set(name, (this.mounted.get(name) ?? new Set()).add(id));
    return this.dataDir(name);
  }
  async unmount(name: string, id: string) { this.mounted.get(name)?.delete(id); }
  async populate(name: string, _layers: string[], target: string, _shift: IdShift, container: string) {
    this.populated.push({ name, target, container });
    return { copied: true, entries: 1, bytes: 0 };
  }
}

/** One container's cgroup in memory: what was applied, who joined, frozen or not. */
export class FakeCgroup implements ContainerCgroup {
  readonly version = 1 as const;
  readonly paths: string[];
  readonly view = [] as const;
  readonly warnings: string[] = [];
  procs: number[] = [];
  frozen = false;
  destroyed = false;
  /** Set by a test: the kernel's OOM killer struck. */
  oom = false;
  constructor(readonly id: string, public limits: CgroupLimits, private readonly owner: FakeCgroups) { this.paths = [`/fake/cgroup/${id}`]; }
  async addProcess(pid: number) { this.procs.push(pid); }
  async update(l: CgroupLimits): Promise<ValidatedLimits> {
    const checked = await this.owner.validate({ ...this.limits, ...l });
    this.limits = checked.limits;
    return checked;
  }
  async freeze() { this.frozen = true; }
  async thaw() { this.frozen = false; }
  async oomKilled() { return this.oom; }
  async stats(): Promise<CgroupStats> {
    return {
      cpu_stats: { cpu_usage: { total_usage: 5e8, usage_in_kernelmode: 1e8, usage_in_usermode: 4e8 }, system_cpu_usage: 1e12, online_cpus: 2, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
      memory_stats: { usage: 4 << 20, limit: this.limits.memory ?? 8 << 30, stats: { total_inactive_file: 1 << 20 } },
      pids_stats: { current: this.procs.length, limit: this.limits.pidsLimit },
      blkio_stats: { io_service_bytes_recursive: [], io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
      num_procs: 0,
    };
  }
  async pids() { return [...this.procs]; }
  async destroy() { this.destroyed = true; this.owner.live.delete(this.id); }
}

/** The host's cgroups in memory, with the real module's docker validation over fixed capabilities. */
export class FakeCgroups implements CgroupLayout, CgroupServiceLike {
  readonly version = 1 as const;
  readonly parent = 'minidock-fake';
  caps: CgroupCapabilities = { version: 1, numCpus: 2, onlineCpus: '0-1', swap: true, oomKillDisable: true };
  live = new Map<string, FakeCgroup>();
  created: string[] = [];
  async layout() { return this; }
  async capabilities() { return this.caps; }
  async validate(l: CgroupLimits) { return validateLimits(l, this.caps); }
  async create(id: string, l: CgroupLimits) {
    const checked = await this.validate(l);
    const cg = new FakeCgroup(id, checked.limits, this);
    this.live.set(id, cg);
    this.created.push(id);
    return cg;
  }
  open(id: string, l: CgroupLimits) { return this.live.get(id) ?? new FakeCgroup(id, l, this); }
  async removeParent() {}
}

export function fakeServices(): Services & { images: FakeImages; runtime: FakeRuntime; network: FakeNetwork; volumes: FakeVolumes; cgroups: FakeCgroups } {
  return { images: new FakeImages(), runtime: new FakeRuntime(), network: new FakeNetwork(), volumes: new FakeVolumes(), cgroups: new FakeCgroups() };
}
