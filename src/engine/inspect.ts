// Docker-shaped views of a container record: inspect (GET /containers/{id}/json) and the
// list summary (GET /containers/json). Pure.
import type { ContainerRecord } from './record.js';
import { portsMap } from './ports.js';
import { inspectMounts } from './mounts.js';
import { resourceConfig } from './resources.js';

function networkSettings(rec: ContainerRecord) {
  const networks: Record<string, unknown> = {};
  const running = rec.State.Status === 'running';
  for (const name of Object.keys(rec.Networks)) {
    const ep = running ? rec.Endpoints[name] : undefined;
    networks[name] = {
      IPAMConfig: rec.Networks[name]!.ip ? { IPv4Address: rec.Networks[name]!.ip } : null,
      Aliases: ep?.aliases ?? rec.Networks[name]!.aliases,
      NetworkID: ep?.networkId ?? '',
      EndpointID: ep ? `${rec.Id.slice(0, 32)}${ep.networkId.replace(/^sha256:/, '').slice(0, 32)}` : '',
      Gateway: ep?.gateway ?? '',
      IPAddress: ep?.ip ?? '',
      IPPrefixLen: ep?.prefixLen ?? 0,
      MacAddress: ep?.mac ?? '',
    };
  }
  // docker fills the top-level fields from the default bridge network only.
  const bridge = running ? rec.Endpoints['bridge'] : undefined;
  const exposed = rec.Config.ExposedPorts ?? {};
  return {
    Bridge: '',
    SandboxID: running ? rec.Id : '',
    Ports: running ? portsMap(exposed, rec.Ports) : {},
    SandboxKey: running && rec.State.Pid ? `/proc/${rec.State.Pid}/ns/net` : '',
    Gateway: bridge?.gateway ?? '',
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefixLen ?? 0,
    MacAddress: bridge?.mac ?? '',
    Networks: networks,
  };
}

export function inspectContainer(rec: ContainerRecord, dirs: { root: string; log: string; hostname: string; hosts: string; resolv: string }, volumeDir: (name: string) => string = (n) => n) {
  const s = rec.State;
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: s.Restarting ? 'restarting' : s.Status === 'running' && s.Paused ? 'paused' : s.Status,
      Running: s.Status === 'running',
      Paused: s.Status === 'running' && !!s.Paused,
      Restarting: !!s.Restarting,
      OOMKilled: s.OOMKilled,
      Dead: false,
      Pid: s.Status === 'running' ? s.Pid : 0,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
      // docker: present once a container with a healthcheck has started
      ...(s.Health ? { Health: { Status: s.Health.Status, FailingStreak: s.Health.FailingStreak, Log: s.Health.Log } } : {}),
    },
    Image: rec.Image,
    ResolvConfPath: dirs.resolv,
    HostnamePath: dirs.hostname,
    HostsPath: dirs.hosts,
    LogPath: dirs.log,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    Mounts: inspectMounts(rec, volumeDir),
    Config: {
      Hostname: rec.Config.Hostname,
      Domainname: '',
      User: rec.Config.User ?? '',
      AttachStdin: !!rec.Config.AttachStdin,
      AttachStdout: !!rec.Config.AttachStdout,
      AttachStderr: !!rec.Config.AttachStderr,
      ExposedPorts: rec.Config.ExposedPorts ?? null,
      Tty: !!rec.Config.Tty,
      OpenStdin: !!rec.Config.OpenStdin,
      StdinOnce: !!rec.Config.StdinOnce,
      Env: rec.Config.Env,
      Cmd: rec.Config.Cmd,
      Image: rec.ImageRef,
      WorkingDir: rec.Config.WorkingDir ?? '',
      Entrypoint: rec.Config.Entrypoint,
      Labels: rec.Config.Labels ?? {},
      StopSignal: rec.Config.StopSignal,
      StopTimeout: rec.Config.StopTimeout ?? undefined,
      Healthcheck: rec.Config.Healthcheck ?? undefined,
    },
    HostConfig: {
      NetworkMode: rec.HostConfig.NetworkMode,
      PortBindings: rec.HostConfig.PortBindings,
      PublishAllPorts: rec.HostConfig.PublishAllPorts,
      AutoRemove: rec.HostConfig.AutoRemove,
      UsernsMode: rec.HostConfig.UsernsMode,
      RestartPolicy: rec.HostConfig.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 },
      // as asked (drivers and options minidock does not do are refused at create)
      LogConfig: { Type: rec.HostConfig.LogConfig?.Type || 'json-file', Config: rec.HostConfig.LogConfig?.Config ?? {} },
      CapAdd: rec.HostConfig.CapAdd ?? null,
      CapDrop: rec.HostConfig.CapDrop ?? null,
      Privileged: !!rec.HostConfig.Privileged,
      SecurityOpt: rec.HostConfig.SecurityOpt ?? null,
      Binds: rec.HostConfig.Binds ?? null,
      Tmpfs: rec.HostConfig.Tmpfs,
      VolumesFrom: rec.HostConfig.VolumesFrom ?? null,
      ReadonlyRootfs: !!rec.HostConfig.ReadonlyRootfs,
      PidMode: rec.HostConfig.PidMode ?? '',
      IpcMode: rec.HostConfig.IpcMode || 'private',
      UTSMode: rec.HostConfig.UTSMode ?? '',
      Init: rec.HostConfig.Init ?? null,
      ConsoleSize: rec.HostConfig.ConsoleSize ?? [0, 0],
      ExtraHosts: rec.HostConfig.ExtraHosts ?? null,
      Dns: rec.HostConfig.Dns ?? [],
      DnsSearch: rec.HostConfig.DnsSearch ?? [],
      DnsOptions: rec.HostConfig.DnsOptions ?? [],
      // docker's zero values for records made before these fields existed
      ...resourceConfig(rec.HostConfig),
    },
    GraphDriver: { Name: 'overlay2', Data: { UpperDir: `${dirs.root}/upper`, WorkDir: `${dirs.root}/work` } },
    NetworkSettings: networkSettings(rec),
  };
}

/** moby's list Command: Path, then the args joined by spaces, each arg holding a space in '...'
 *  (only a space triggers it, and quotes inside are left as they are). */
export function commandLine(args: string[]): string {
  const [path = '', ...rest] = args;
  return rest.length ? `${path} ${rest.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}` : path;
}

export function containerSummary(rec: ContainerRecord) {
  const ports = rec.State.Status === 'running'
    ? rec.Ports.map((p) => ({ IP: p.hostIp || '0.0.0.0', PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto }))
    : [];
  const exposedOnly = Object.keys(rec.Config.ExposedPorts ?? {})
    .map((k) => { const [port, proto = 'tcp'] = k.split('/'); return { PrivatePort: Number(port), Type: proto }; })
    .filter((e) => !ports.some((p) => p.PrivatePort === e.PrivatePort && p.Type === e.Type));
  return {
    Id: rec.Id,
    Names: [rec.Name],
    Image: rec.ImageRef,
    ImageID: rec.Image,
    Command: commandLine([rec.Path, ...rec.Args]),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: rec.State.Status === 'running' ? [...ports, ...exposedOnly] : [],
    Labels: rec.Config.Labels ?? {},
    State: rec.State.Restarting ? 'restarting' : rec.State.Status === 'running' && rec.State.Paused ? 'paused' : rec.State.Status,
    // Status wording depends on "now", so the CLI computes it; the API still fills it for other clients.
    StateDetail: { ExitCode: rec.State.ExitCode, StartedAt: rec.State.StartedAt, FinishedAt: rec.State.FinishedAt, Health: rec.State.Health?.Status },
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode },
  };
}
