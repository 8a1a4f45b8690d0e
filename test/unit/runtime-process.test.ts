import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH, daemonEnv, mergeEnv, mergeImageEnv, resolveProcess, runcEnv, withHome } from '../../src/engine/process-spec.js';
import { execFailureError, parseExecFail } from '../../src/runtime/exec-error.js';
import { hostRootId } from '../../src/runtime/runtime.js';

const base = { hostname: 'abc' };

describe('resolveProcess (docker rules)', () => {
  const table: { name: string; image: object; over: object; args: string[] }[] = [
    { name: 'image Cmd only', image: { Cmd: ['sh'] }, over: {}, args: ['sh'] },
    { name: 'Entrypoint + Cmd', image: { Entrypoint: ['/ep'], Cmd: ['a'] }, over: {}, args: ['/ep', 'a'] },
    { name: 'trailing args replace Cmd', image: { Entrypoint: ['/ep'], Cmd: ['a'] }, over: { cmd: ['b', 'c'] }, args: ['/ep', 'b', 'c'] },
    { name: '--entrypoint clears image Cmd', image: { Entrypoint: ['/ep'], Cmd: ['a'] }, over: { entrypoint: ['/x'] }, args: ['/x'] },
    { name: '--entrypoint with args', image: { Cmd: ['a'] }, over: { entrypoint: ['/x'], cmd: ['y'] }, args: ['/x', 'y'] },
    { name: "--entrypoint '' keeps args only", image: { Entrypoint: ['/ep'], Cmd: ['a'] }, over: { entrypoint: [''], cmd: ['ls'] }, args: ['ls'] },
    { name: 'null Entrypoint', image: { Entrypoint: null, Cmd: ['a'] }, over: {}, args: ['a'] },
    { name: 'empty trailing args keep Cmd', image: { Cmd: ['a'] }, over: { cmd: [] }, args: ['a'] },
  ];
  for (const t of table) {
    it(t.name, () => expect(resolveProcess(t.image, { ...base, ...t.over }).args).toEqual(t.args));
  }

  it('fails without any command', () => {
    expect(() => resolveProcess({}, base)).toThrow('no command specified');
    expect(() => resolveProcess({ Cmd: ['a'] }, { ...base, entrypoint: [''] })).toThrow('no command specified');
  });

  // Each row was checked against docker 20.10 + runc 1.1 (`docker run ... env`, image env as given).
  const DEF = `PATH=${DEFAULT_PATH}`;
  const envTable: { name: string; image: string[]; env?: string[]; tty?: boolean; want: string[] }[] = [
    { name: 'defaults: PATH then HOSTNAME', image: [], want: [DEF, 'HOSTNAME=abc'] },
    { name: 'image PATH replaces the default in place', image: ['PATH=/img:/bin'], want: ['PATH=/img:/bin', 'HOSTNAME=abc'] },
    { name: 'TERM with a tty, after HOSTNAME', image: [DEF], tty: true, want: [DEF, 'HOSTNAME=abc', 'TERM=xterm'] },
    { name: '-e entries come before the image entries they do not override',
      image: ['PATH=/img:/bin', 'X=1', 'Y=2'], env: ['A=1', 'Y=9'], want: ['PATH=/img:/bin', 'HOSTNAME=abc', 'A=1', 'Y=9', 'X=1'] },
    { name: '-e KEY without a value hides the image KEY', image: ['PATH=/img:/bin', 'X=1', 'Y=2'], env: ['A=1', 'Y=9', 'X'],
      want: ['PATH=/img:/bin', 'HOSTNAME=abc', 'A=1', 'Y=9'] },
    { name: '-e HOSTNAME= replaces, -e HOSTNAME removes', image: [DEF], env: ['HOSTNAME=mine', 'A=1'], want: [DEF, 'HOSTNAME=mine', 'A=1'] },
    { name: '-e HOSTNAME alone removes the default', image: [DEF], env: ['HOSTNAME', 'PATH='], want: ['PATH='] },
    { name: 'a repeated key keeps its first place and last value (runc Setenv)', image: [DEF], env: ['A=1', 'B=1', 'A=2'],
      want: [DEF, 'HOSTNAME=abc', 'A=2', 'B=1'] },
    { name: 'image env without PATH keeps the default PATH first', image: ['Z=1'], tty: true, want: [DEF, 'HOSTNAME=abc', 'TERM=xterm', 'Z=1'] },
  ];
  for (const t of envTable) {
    it(`env: ${t.name}`, () => {
      expect(resolveProcess({ Cmd: ['a'], Env: t.image }, { ...base, env: t.env, tty: t.tty }).env).toEqual(t.want);
    });
  }

  it('picks the working dir and user', () => {
    expect(resolveProcess({ Cmd: ['a'] }, base)).toMatchObject({ cwd: '/', user: '' });
    expect(resolveProcess({ Cmd: ['a'], WorkingDir: '/app', User: 'app' }, base)).toMatchObject({ cwd: '/app', user: 'app' });
    expect(resolveProcess({ Cmd: ['a'], WorkingDir: '/app', User: 'app' }, { ...base, workingDir: '/w', user: '0:0' })).toMatchObject({ cwd: '/w', user: '0:0' });
    expect(() => resolveProcess({ Cmd: ['a'] }, { ...base, workingDir: 'rel' })).toThrow("the working directory 'rel' is invalid, it needs to be an absolute path");
  });

  it('merges env by key (ReplaceOrAppendEnvValues) and adds HOME like runc', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['A=3', 'B', 'C=x=y'])).toEqual(['A=3', 'C=x=y']);
    // only the defaults' keys are looked up: a repeated override is appended again, KEY alone drops nothing new
    expect(mergeEnv(['A=1'], ['C=1', 'C=2', 'D', 'C'])).toEqual(['A=1', 'C=1', 'C=2']);
    expect(runcEnv(['A=1', 'C=1', 'B', 'C=2'])).toEqual(['A=1', 'C=2']);
    expect(mergeImageEnv(['PATH=/p', 'X=1'], ['X', 'Y=2'])).toEqual(['X', 'Y=2', 'PATH=/p']);
    expect(daemonEnv(['PATH=/p'], 'h', true)).toEqual(['PATH=/p', 'HOSTNAME=h', 'TERM=xterm']);
    expect(withHome(['A=1'], '/root')).toEqual(['A=1', 'HOME=/root']);
    expect(withHome(['HOME=/h'], '/root')).toEqual(['HOME=/h']);
    // `-e HOME=`: runc fills an empty HOME where it stands
    expect(withHome(['HOME=', 'A=1'], '/root')).toEqual(['HOME=/root', 'A=1']);
  });
});

describe('exec failure errors', () => {
  it('maps errno to docker messages and exit codes', () => {
    const nf = execFailureError('foo', 2);
    expect([nf.message, nf.exitCode]).toEqual(['exec: "foo": executable file not found in $PATH', 127]);
    const nf2 = execFailureError('/foo', 2);
    expect([nf2.message, nf2.exitCode]).toEqual(['exec: "/foo": stat /foo: no such file or directory', 127]);
    expect([execFailureError('/etc', 21).message, execFailureError('/etc', 21).exitCode]).toEqual(['exec: "/etc": is a directory', 126]);
    expect(execFailureError('/x', 13).message).toBe('exec: "/x": permission denied');
    expect(execFailureError('/x', 8).message).toBe('exec: "/x": exec format error');
  });
});

describe('small runtime helpers', () => {
  it('finds the host id of container root and parses execfail', () => {
    expect(hostRootId([{ containerId: 0, hostId: 100000, size: 65536 }])).toBe(100000);
    expect(hostRootId([{ containerId: 1, hostId: 5, size: 10 }, { containerId: 0, hostId: 7, size: 1 }])).toBe(7);
    expect(() => hostRootId([{ containerId: 1, hostId: 5, size: 10 }])).toThrow(/does not map container root/);
    expect(parseExecFail('execfail 13')).toBe(13);
    expect(parseExecFail('error mount')).toBeUndefined();
  });
});
