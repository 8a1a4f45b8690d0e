import { describe, expect, it } from 'vitest';
import { isZero, refuseUnsupported, unsupportedField } from '../../src/engine/create-fields.js';

// What the docker CLI 28 sends for `docker run busybox true`: every field present, all defaults.
const dockerCliDefaults = {
  Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false,
  OpenStdin: false, StdinOnce: false, Env: [], Cmd: ['true'], Image: 'busybox', Volumes: {}, WorkingDir: '',
  Entrypoint: null, OnBuild: null, Labels: {},
  HostConfig: {
    Binds: null, ContainerIDFile: '', LogConfig: { Type: '', Config: {} }, NetworkMode: 'default', PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '', VolumesFrom: null,
    ConsoleSize: [0, 0], CapAdd: null, CapDrop: null, CgroupnsMode: '', Dns: [], DnsOptions: [], DnsSearch: [],
    ExtraHosts: null, GroupAdd: null, IpcMode: '', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false,
    PublishAllPorts: false, ReadonlyRootfs: false, SecurityOpt: null, UTSMode: '', UsernsMode: '', ShmSize: 0,
    Isolation: '', CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0, BlkioWeightDevice: [],
    CpuPeriod: 0, CpuQuota: 0, CpusetCpus: '', CpusetMems: '', Devices: [], DeviceCgroupRules: null, DeviceRequests: null,
    MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: null, OomKillDisable: null, PidsLimit: null, Ulimits: null,
    MaskedPaths: null, ReadonlyPaths: null,
  },
  NetworkingConfig: { EndpointsConfig: {} },
};

describe('create fields', () => {
  it('accepts a request made only of defaults and supported fields', () => {
    expect(unsupportedField(dockerCliDefaults)).toBeUndefined();
    expect(unsupportedField({ Image: 'b', HostConfig: { RestartPolicy: { Name: '' }, LogConfig: { Type: 'json-file', Config: {} }, PidsLimit: -1 } })).toBeUndefined();
    expect(unsupportedField({ Image: 'b', NetworkingConfig: { EndpointsConfig: { mynet: { IPAMConfig: { IPv4Address: '10.0.0.5' }, Aliases: ['a'] } } } })).toBeUndefined();
  });

  it.each([
    [{ HostConfig: { CpuQuota: 50_000 } }, 'HostConfig.CpuQuota', '--cpu-quota'],
    [{ HostConfig: { Devices: [{ PathOnHost: '/dev/kvm', PathInContainer: '/dev/kvm', CgroupPermissions: 'rwm' }] } }, 'HostConfig.Devices', '--device'],
    [{ Domainname: 'example.test' }, 'Domainname', '--domainname'],
    [{ HostConfig: { Links: ['db:db'] } }, 'HostConfig.Links', '--link'],
    [{ HostConfig: { Links: ['a:b'] } }, 'HostConfig.Links', '--link'],
    [{ NetworkingConfig: { EndpointsConfig: { n: { IPAMConfig: { IPv6Address: 'fd00::5' } } } } }, 'NetworkingConfig.EndpointsConfig.*.IPAMConfig.IPv6Address', ''],
    [{ SomethingNew: 1 }, 'SomethingNew', ''],
  ])('refuses %j naming the field', (extra, field, flag) => {
    const body = { Image: 'b', ...extra };
    expect(unsupportedField(body)).toBe(field);
    expect(() => refuseUnsupported(body)).toThrow(field);
    if (flag) expect(() => refuseUnsupported(body)).toThrow(flag);
  });

  it('knows what zero means', () => {
    expect(isZero({ a: [], b: { c: '' }, d: null })).toBe(true);
    expect(isZero({ a: [0] })).toBe(false);
    expect(isZero(-1)).toBe(false);
  });
});
