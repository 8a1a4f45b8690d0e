// The commander-free fast path: what it takes, and that it hands everything else to commander.
import { describe, expect, it } from 'vitest';
import { parseFast } from '../../src/cli/fast.js';

describe('parseFast', () => {
  it('takes --version alone', () => {
    expect(parseFast(['--version'])).toEqual({ kind: 'version' });
    expect(parseFast(['-v'])).toEqual({ kind: 'version' });
    expect(parseFast(['--version', 'x'])).toBeUndefined();
  });

  it('takes ps with its boolean flags, combined or not', () => {
    expect(parseFast(['ps'])).toEqual({ kind: 'ps', all: false, quiet: false, noTrunc: false });
    expect(parseFast(['ps', '-aq', '--no-trunc'])).toEqual({ kind: 'ps', all: true, quiet: true, noTrunc: true });
    expect(parseFast(['ps', '--all', '-q'])).toEqual({ kind: 'ps', all: true, quiet: true, noTrunc: false });
    expect(parseFast(['ps', '--help'])).toBeUndefined();
    expect(parseFast(['ps', '-ax'])).toBeUndefined();
    expect(parseFast(['ps', 'extra'])).toBeUndefined();
  });

  it('takes version, images and inspect (read-only commands) with their flags', () => {
    expect(parseFast(['version'])).toEqual({ kind: 'server-version' });
    expect(parseFast(['images'])).toEqual({ kind: 'images', quiet: false, noTrunc: false });
    expect(parseFast(['images', '-q', '--no-trunc'])).toEqual({ kind: 'images', quiet: true, noTrunc: true });
    expect(parseFast(['images', '--quiet'])).toEqual({ kind: 'images', quiet: true, noTrunc: false });
    expect(parseFast(['inspect', 'a', 'b'])).toEqual({ kind: 'inspect', names: ['a', 'b'] });
    expect(parseFast(['inspect', 'a', '-f', '{{.Id}}', '--type=container'])).toEqual({ kind: 'inspect', names: ['a'], format: '{{.Id}}', type: 'container' });
    expect(parseFast(['inspect', '--format', '', 'a'])).toEqual({ kind: 'inspect', names: ['a'], format: '' });
    expect(parseFast(['inspect', '--format=x', 'a'])).toEqual({ kind: 'inspect', names: ['a'], format: 'x' });
  });

  it('takes run with the common flags; the command after the image is passed through', () => {
    expect(parseFast(['run', '--rm', 'localhost:5000/busybox', 'true'])).toEqual({ kind: 'run', image: 'localhost:5000/busybox', command: ['true'], flags: { rm: true } });
    expect(parseFast(['run', '-dit', '--name', 'web', '--net=none', 'img', 'sh', '-c', 'echo --rm'])).toEqual({
      kind: 'run', image: 'img', command: ['sh', '-c', 'echo --rm'], flags: { detach: true, interactive: true, tty: true, name: 'web', network: 'none' },
    });
    expect(parseFast(['run', '-d', '--network', 'n1', '--name=x', 'img'])).toEqual({ kind: 'run', image: 'img', command: [], flags: { detach: true, network: 'n1', name: 'x' } });
  });

  it('leaves everything it does not fully understand to commander', () => {
    for (const args of [
      ['run', '-e', 'A=1', 'img'], ['run', '-p', '80', 'img'], ['run', '--help'], ['run', '--rm'], ['run', '--name'],
      ['run', '--name=', 'img'], ['run', '-dx', 'img'], ['run', '--', 'img'], ['create', 'img'], [], ['--help'],
      ['version', '--help'], ['version', 'x'], ['images', 'x'], ['images', '-a'], ['images', '--help'], ['inspect'], ['inspect', '-f', 'x'],
      ['inspect', 'a', '--help'], ['inspect', '-f', 'x', '-f', 'y', 'a'], ['inspect', '-fx', 'a'], ['inspect', '-f', '-x', 'a'], ['inspect', '--', 'a'],
      ['inspect', 'a', '--size'], ['inspect', 'a', '-f'],
    ]) expect(parseFast(args), args.join(' ')).toBeUndefined();
  });
});

describe('engineEnv', async () => {
  const { engineEnv } = await import('../../src/cli/connect.js');
  it('gives the engine back the CA bundle that bin/minidock kept from the CLI', () => {
    expect(engineEnv({ PATH: '/bin', MINIDOCK_NODE_EXTRA_CA_CERTS: '/ca.pem' })).toEqual({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/ca.pem' });
    expect(engineEnv({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/x.pem' })).toEqual({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/x.pem' });
    expect(engineEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });
});
