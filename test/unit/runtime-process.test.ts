import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH, mergeEnv, resolveProcess, withHome } from '../../src/runtime/process.js';
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

  it('builds the env like the daemon: default PATH, HOSTNAME, TERM, image env, -e overrides', () => {
    expect(resolveProcess({ Cmd: ['a'] }, base).env).toEqual([`PATH=${DEFAULT_PATH}`, 'HOSTNAME=abc']);
    const r = resolveProcess({ Cmd: ['a'], Env: ['PATH=/img', 'A=1', 'B=2'] }, { ...base, tty: true, env: ['B=3', 'C=4', 'A'] });
    expect(r.env).toEqual(['HOSTNAME=abc', 'TERM=xterm', 'PATH=/img', 'B=3', 'C=4']);
    expect(resolveProcess({ Cmd: ['a'] }, { ...base, env: ['HOSTNAME=mine'] }).env).toEqual([`PATH=${DEFAULT_PATH}`, 'HOSTNAME=mine']);
  });

  it('picks the working dir and user', () => {
    expect(resolveProcess({ Cmd: ['a'] }, base)).toMatchObject({ cwd: '/', user: '' });
    expect(resolveProcess({ Cmd: ['a'], WorkingDir: '/app', User: 'app' }, base)).toMatchObject({ cwd: '/app', user: 'app' });
    expect(resolveProcess({ Cmd: ['a'], WorkingDir: '/app', User: 'app' }, { ...base, workingDir: '/w', user: '0:0' })).toMatchObject({ cwd: '/w', user: '0:0' });
    expect(() => resolveProcess({ Cmd: ['a'] }, { ...base, workingDir: 'rel' })).toThrow("the working directory 'rel' is invalid, it needs to be an absolute path");
  });

  it('merges env by key and adds HOME only when unset', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['A=3', 'B', 'C=x=y'])).toEqual(['A=3', 'C=x=y']);
    expect(withHome(['A=1'], '/root')).toEqual(['A=1', 'HOME=/root']);
    expect(withHome(['HOME=/h'], '/root')).toEqual(['HOME=/h']);
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
