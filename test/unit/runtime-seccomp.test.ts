import { describe, expect, it } from 'vitest';
import { compileSeccomp, DEFAULT_SECCOMP_PROFILE, hostSeccompArch, loadSeccompProfile, parseSeccompProfile, seccompRules } from '../../src/runtime/seccomp.js';

const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

const parse = (p: unknown) => parseSeccompProfile(JSON.stringify(p), 'test.json');
const lines = (text: string) => text.trim().split('\n');
const rulesFor = (text: string, name: string) => lines(text).filter((l) => l.startsWith(`rule ${name} `));

describe('compileSeccomp with docker\'s default profile', async () => {
  const docker = await loadSeccompProfile(DEFAULT_SECCOMP_PROFILE);
  const base = { arch: 'x86_64', kernel: '6.1.0-18-amd64' };

  it('starts with the header, the default action and the archMap entry of the machine', () => {
    const text = compileSeccomp(docker, { ...base, capabilities: DOCKER_CAPS });
    expect(lines(text).slice(0, 5)).toEqual(['minidock-seccomp 1', 'default errno:1', 'arch x86_64', 'arch x86', 'arch x32']);
    expect(rulesFor(text, 'read')).toEqual(['rule read allow']);
  });

  it('includes and excludes by capability', () => {
    const plain = compileSeccomp(docker, { ...base, capabilities: DOCKER_CAPS });
    for (const name of ['mount', 'unshare', 'setns', 'bpf', 'keyctl', 'add_key', 'clock_settime', 'kcmp', 'reboot']) expect(rulesFor(plain, name)).toEqual([]);
    expect(rulesFor(plain, 'clone')).toEqual(['rule clone allow 0:masked_eq:2114060288:0']);
    expect(rulesFor(plain, 'clone3')).toEqual(['rule clone3 errno:38']);
    expect(rulesFor(plain, 'chroot')).toEqual(['rule chroot allow']); // CAP_SYS_CHROOT is a default capability

    const admin = compileSeccomp(docker, { ...base, capabilities: [...DOCKER_CAPS, 'SYS_ADMIN', 'sys_time'] });
    for (const name of ['mount', 'unshare', 'setns', 'bpf', 'clone3', 'clock_settime', 'settimeofday']) expect(rulesFor(admin, name)).toEqual([`rule ${name} allow`]);
    // the masked clone rule is excluded by CAP_SYS_ADMIN: clone is allowed whole
    expect(rulesFor(admin, 'clone')).toEqual(['rule clone allow']);
    expect(rulesFor(admin, 'keyctl')).toEqual([]);
    expect(rulesFor(admin, 'kcmp')).toEqual([]);
  });

  it('filters by architecture', () => {
    const x86 = compileSeccomp(docker, { ...base, capabilities: [] });
    expect(rulesFor(x86, 'arch_prctl')).toEqual(['rule arch_prctl allow']);
    expect(rulesFor(x86, 'arm_fadvise64_64')).toEqual([]);
    const arm = compileSeccomp(docker, { ...base, arch: 'aarch64', capabilities: [] });
    expect(lines(arm).filter((l) => l.startsWith('arch '))).toEqual(['arch aarch64', 'arch arm']);
    expect(rulesFor(arm, 'arm_fadvise64_64')).toEqual(['rule arm_fadvise64_64 allow']);
    expect(rulesFor(arm, 'arch_prctl')).toEqual([]);
    expect(() => compileSeccomp(docker, { ...base, arch: 'vax', capabilities: [] })).toThrow('seccomp: unsupported architecture vax');
  });

  it('keeps argument conditions (personality values, masked clone flags)', () => {
    const text = compileSeccomp(docker, { ...base, capabilities: DOCKER_CAPS });
    expect(rulesFor(text, 'personality')).toEqual([0, 8, 131072, 131080, 4294967295].map((v) => `rule personality allow 0:eq:${v}:0`));
  });

  it('applies minKernel against the given kernel release', () => {
    expect(rulesFor(compileSeccomp(docker, { ...base, capabilities: [] }), 'ptrace')).toEqual(['rule ptrace allow']);
    expect(rulesFor(compileSeccomp(docker, { ...base, kernel: '4.4.0', capabilities: [] }), 'ptrace')).toEqual([]);
    expect(rulesFor(compileSeccomp(docker, { ...base, kernel: '4.4.0', capabilities: ['CAP_SYS_PTRACE'] }), 'ptrace')).toEqual(['rule ptrace allow']);
  });
});

describe('compileSeccomp', () => {
  const opts = { arch: 'x86_64', capabilities: [], kernel: '5.10.0' };

  it('ANDs conditions on different arguments and splits conditions on the same one (as runc)', () => {
    const text = compileSeccomp(parse({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_LT' }, { index: 1, value: 20, op: 'SCMP_CMP_GT' }] },
        { names: ['fcntl'], action: 'SCMP_ACT_KILL', args: [{ index: 1, value: 255, valueTwo: 4, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    }), opts);
    expect(lines(text)).toEqual([
      'minidock-seccomp 1', 'default allow',
      'rule socket errno:22 0:eq:16:0 2:eq:9:0',
      'rule ioctl errno:1 1:lt:10:0', 'rule ioctl errno:1 1:gt:20:0',
      'rule fcntl kill_thread 1:masked_eq:255:4',
    ]);
  });

  it('leaves out rules that repeat the default action, and maps every action', () => {
    const text = compileSeccomp(parse({
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38,
      syscalls: [
        { names: ['a1'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['a2'], action: 'SCMP_ACT_ERRNO' },
        { names: ['a3', 'a4'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
        { names: ['a5'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['a6'], action: 'SCMP_ACT_KILL_THREAD' },
        { names: ['a7'], action: 'SCMP_ACT_TRAP' },
        { names: ['a8'], action: 'SCMP_ACT_LOG' },
        { name: 'a9', action: 'SCMP_ACT_ALLOW' },
      ],
    }), opts);
    expect(lines(text).slice(1)).toEqual(['default errno:38', 'rule a2 errno:1', 'rule a3 trace:7', 'rule a4 trace:7', 'rule a5 kill_process',
      'rule a6 kill_thread', 'rule a7 trap', 'rule a8 log', 'rule a9 allow']);
  });

  it('reads the old format (architectures, name) and podman\'s errno names and flags', () => {
    const text = compileSeccomp(parse({
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOSYS',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [{ name: 'chmod', action: 'SCMP_ACT_ERRNO', errno: 'EPERM', errnoRet: 1, comment: 'x', includes: {}, excludes: {}, args: null }],
    }), opts);
    expect(lines(text)).toEqual(['minidock-seccomp 1', 'default errno:38', 'arch x86_64', 'arch x86', 'flag log', 'rule chmod errno:1']);
  });

  it('compiles podman\'s profile (containers-common)', async () => {
    const podman = await loadSeccompProfile('/usr/share/containers/seccomp.json');
    const text = compileSeccomp(podman, { ...opts, capabilities: DOCKER_CAPS });
    expect(lines(text)[1]).toBe('default errno:38');
    expect(rulesFor(text, 'socket')).toEqual(['rule socket allow']); // CAP_AUDIT_WRITE is a default capability
    const noAudit = compileSeccomp(podman, { ...opts, capabilities: [] });
    expect(rulesFor(noAudit, 'socket')).toEqual(['rule socket errno:22 0:eq:16:0 2:eq:9:0', 'rule socket allow 2:ne:9:0', 'rule socket allow 0:ne:16:0', 'rule socket allow 2:ne:9:0']);
  });

  it('hostSeccompArch maps node\'s names', () => {
    expect(hostSeccompArch('x64')).toBe('x86_64');
    expect(hostSeccompArch('arm64')).toBe('aarch64');
    expect(() => hostSeccompArch('mips')).toThrow('seccomp is not supported on architecture mips');
  });
});

describe('parseSeccompProfile refuses bad profiles naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['not JSON', '{', 'seccomp profile test.json: not valid JSON'],
    ['no defaultAction', { syscalls: [] }, 'defaultAction: missing'],
    ['unknown action', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOPE' }] }, 'syscalls[0].action: unknown action "SCMP_ACT_NOPE"'],
    ['notify', { defaultAction: 'SCMP_ACT_NOTIFY' }, 'defaultAction: SCMP_ACT_NOTIFY is not supported'],
    ['unknown field', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x' }, 'listenerPath: unknown or unsupported field'],
    ['unknown syscall field', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', nope: 1 }] }, 'syscalls[0].nope: unknown or unsupported field'],
    ['name and names', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'read', names: ['read'], action: 'SCMP_ACT_ALLOW' }] }, "syscalls[0]: both 'name' and 'names' are given"],
    ['empty names', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, "syscalls[0]: no syscall named"],
    ['bad syscall name', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', 'Rm -rf'], action: 'SCMP_ACT_ERRNO' }] }, 'syscalls[0].names[1]: invalid syscall name "Rm -rf"'],
    ['errnoRet with allow', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }, 'syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE'],
    ['errno too big', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5000 }, 'defaultErrnoRet: must be an integer from 0 to 4095 (got 5000)'],
    ['errno name mismatch', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, defaultErrno: 'ENOSYS' }, 'defaultErrno: ENOSYS is 38, but defaultErrnoRet says 1'],
    ['unknown errno name', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'EWHAT' }, 'defaultErrno: unknown errno name "EWHAT"'],
    ['bad op', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] }] }, 'syscalls[0].args[0].op: unknown operator "SCMP_CMP_LIKE"'],
    ['bad index', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, 'syscalls[0].args[0].index: must be an integer from 0 to 5 (got 6)'],
    ['inexact value', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 2 ** 60, op: 'SCMP_CMP_EQ' }] }] }, 'syscalls[0].args[0].value: must be an integer from 0 to 9007199254740991'],
    ['negative value', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, 'syscalls[0].args[0].value: must be an integer'],
    ['bad arch', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }, 'architectures[0]: unknown architecture "SCMP_ARCH_Z80"'],
    ['both arch forms', { defaultAction: 'SCMP_ACT_ALLOW', architectures: [], archMap: [] }, "architectures: both 'architectures' and 'archMap' are given"],
    ['bad subarch', { defaultAction: 'SCMP_ACT_ALLOW', archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['x86'] }] }, 'archMap[0].subArchitectures[0]: unknown architecture "x86"'],
    ['bad flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC'] }, 'flags[0]: unsupported flag "SECCOMP_FILTER_FLAG_TSYNC"'],
    ['bad minKernel', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: '4' } }] }, 'syscalls[0].includes.minKernel: invalid kernel version "4"'],
    ['bad capability', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['SYS_ADMIN'] } }] }, 'syscalls[0].excludes.caps[0]: invalid capability "SYS_ADMIN"'],
    ['unknown filter field', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { os: 'linux' } }] }, 'syscalls[0].includes.os: unknown or unsupported field'],
    ['syscalls not a list', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} }, 'syscalls: must be a list'],
    ['top level not an object', [], '(top level): must be an object'],
  ];
  it.each(cases)('%s', (_what, profile, message) => {
    const text = typeof profile === 'string' ? profile : JSON.stringify(profile);
    let err: unknown;
    try { parseSeccompProfile(text, 'test.json'); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect((err as Error).message).toContain(`seccomp profile test.json: ${message.startsWith('seccomp profile') ? '' : message}`);
    expect((err as Error).message).toContain(message);
  });

  it('names a missing profile file', async () => {
    await expect(loadSeccompProfile('/nonexistent/profile.json')).rejects.toThrow('seccomp profile /nonexistent/profile.json: cannot read it: no such file');
  });
});

describe('seccompRules (the --security-opt seccomp= value)', () => {
  const opts = { arch: 'x86_64', capabilities: DOCKER_CAPS, kernel: '6.1.0' };
  it('unconfined is no filter, undefined the default profile, JSON a user profile', async () => {
    expect(await seccompRules('unconfined', opts)).toBeNull();
    expect(rulesFor((await seccompRules(undefined, opts))!, 'mount')).toEqual([]);
    expect(await seccompRules(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }), opts))
      .toBe('minidock-seccomp 1\ndefault allow\nrule mkdir errno:1\n');
    await expect(seccompRules('{"defaultAction": 1}', opts)).rejects.toThrow('seccomp profile (from --security-opt): defaultAction: unknown action 1');
  });
});

describe('spec lines for the shim', () => {
  it('names the rules file in the run spec only when there are rules, and in an exec spec when given', async () => {
    const { serializeRunSpec, serializeExecSpec, seccompPath } = await import('../../src/runtime/spec.js');
    const spec = {
      id: 'c1', layerDirs: ['/l'], upperDir: '/u', workDir: '/w', args: ['true'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [],
      tty: false, hostname: 'h', openStdin: false, userns: null, network: 'host' as const,
      etcFiles: { hostname: '/e/h', hosts: '/e/hs', resolvConf: '/e/r' }, logPath: '/log', exitPath: '/exit', runDir: '/run/c1',
      capabilities: [], noNewPrivileges: false, seccomp: null as string | null, maskedPaths: [], readonlyPaths: [],
    };
    const rules = 'minidock-seccomp 1\ndefault allow\n';
    expect(seccompPath('/run/c1')).toBe('/run/c1/seccomp');
    expect(serializeRunSpec({ ...spec, seccomp: rules })).toContain('\nseccomp /run/c1/seccomp\n');
    expect(serializeRunSpec(spec)).not.toContain('seccomp');
    expect(serializeExecSpec(5, { ...spec, seccomp: rules }, '/run/c1/exec.seccomp')).toContain('\nseccomp /run/c1/exec.seccomp\n');
    expect(serializeExecSpec(5, spec)).not.toContain('seccomp');
  });
});
