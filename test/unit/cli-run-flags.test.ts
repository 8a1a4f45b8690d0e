import { describe, expect, it } from 'vitest';
import { buildCreateBody, resolveEnv, envFileEntries } from '../../src/cli/run-flags.js';
import { mappingsToBindings, parsePortSpec } from '../../src/wire/ports.js';

// What `-p` sends: the one port grammar (src/wire/ports.ts), then the API's PortBindings.
const parsePublish = (spec: string) => mappingsToBindings(parsePortSpec(spec));

describe('-p parsing', () => {
  it.each([
    ['80', { '80/tcp': [{ HostIp: '', HostPort: '' }] }],
    ['8080:80', { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }],
    ['127.0.0.1:8080:80/udp', { '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }],
    ['127.0.0.1::80', { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }],
    ['8000-8001:80-81', { '80/tcp': [{ HostIp: '', HostPort: '8000' }], '81/tcp': [{ HostIp: '', HostPort: '8001' }] }],
  ])('%s', (spec, want) => expect(parsePublish(spec)).toEqual(want));
  it.each(['x', '80/sctp', '1:2:3:4', '8000-8002:80-81', '0', '70000'])('rejects %s', (spec) => expect(() => parsePublish(spec)).toThrow(spec));
});

describe('env', () => {
  it('takes KEY from the environment or drops it', () => {
    expect(resolveEnv(['A=1', 'B', 'C'], { B: '2' })).toEqual(['A=1', 'B=2']);
    expect(() => resolveEnv(['=x'], {})).toThrow('=x');
  });
  it('reads env files', () => {
    expect(envFileEntries('# c\nA=1\n\nB\r\n')).toEqual(['A=1', 'B']);
  });
});

describe('flags → create body', () => {
  it('maps run -it --rm with ports and network', () => {
    const b = buildCreateBody('busybox', ['sh'], {
      interactive: true, tty: true, rm: true, env: ['X=1'], workdir: '/tmp', user: '1000', hostname: 'h',
      network: 'mynet', ip: '10.1.0.5', networkAlias: ['db'], publish: ['8080:80'], publishAll: true, userns: 'host', stopTimeout: '3',
    }, {});
    expect(b).toMatchObject({
      Image: 'busybox', Cmd: ['sh'], Entrypoint: null, Env: ['X=1'], WorkingDir: '/tmp', User: '1000', Hostname: 'h',
      Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
      ExposedPorts: { '80/tcp': {} }, StopTimeout: 3,
      HostConfig: { NetworkMode: 'mynet', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, PublishAllPorts: true, AutoRemove: true, UsernsMode: 'host' },
      NetworkingConfig: { EndpointsConfig: { mynet: { IPAMConfig: { IPv4Address: '10.1.0.5' }, Aliases: ['db'] } } },
    });
  });
  it("detached runs attach nothing; empty entrypoint resets it (sent as [''], as docker's CLI does)", () => {
    const b = buildCreateBody('busybox', [], { detach: true, interactive: true, entrypoint: '' }, {});
    expect(b).toMatchObject({ Cmd: null, Entrypoint: [''], AttachStdin: false, AttachStdout: false, StdinOnce: false, OpenStdin: true });
    expect(buildCreateBody('busybox', [], { entrypoint: 'sh -c' }, {}).Entrypoint).toEqual(['sh -c']);
  });
  it('refuses --ip on the default network and a bad stop timeout', () => {
    expect(() => buildCreateBody('busybox', [], { ip: '172.17.0.9' }, {})).toThrow(/user defined networks/);
    expect(() => buildCreateBody('busybox', [], { stopTimeout: 'x' }, {})).toThrow(/stop-timeout/);
  });
});

describe('namespace, init, hosts and dns flags → create body', () => {
  it('maps --pid, --ipc, --uts, --init, --add-host (name=ip as name:ip), --dns*', () => {
    const b = buildCreateBody('busybox', [], {
      pid: 'container:a', ipc: 'shareable', uts: 'host', init: true, addHost: ['db:10.0.0.1', 'gw=host-gateway'],
      dns: ['1.1.1.1'], dnsSearch: ['x.test'], dnsOption: ['ndots:2'],
    }, {});
    expect(b.HostConfig).toMatchObject({ PidMode: 'container:a', IpcMode: 'shareable', UTSMode: 'host', Init: true,
      ExtraHosts: ['db:10.0.0.1', 'gw:host-gateway'], Dns: ['1.1.1.1'], DnsSearch: ['x.test'], DnsOptions: ['ndots:2'] });
    // not given: docker's CLI leaves Init out, the rest empty
    const d = buildCreateBody('busybox', [], {}, {});
    expect(d.HostConfig!.Init).toBeUndefined();
    expect(d.HostConfig).toMatchObject({ PidMode: '', IpcMode: '', UTSMode: '', ExtraHosts: [], Dns: [], DnsSearch: [], DnsOptions: [] });
  });
});

describe('--label-file', () => {
  it('reads k=v lines, skips comments and blank lines, and lets --label override a file', () => {
    const body = buildCreateBody('alpine', [], {
      labelFileContents: ['# team labels\na=1\n\nb=x=y\r\nflag\n', 'a=2\nc=3\n'],
      label: ['c=cli'],
    }, {});
    expect(body.Labels).toEqual({ a: '2', b: 'x=y', flag: '', c: 'cli' });
  });
});
