import { describe, expect, it } from 'vitest';
import { activatedSocket } from '../../src/daemon/activation.js';

describe('socket activation (sd_listen_fds)', () => {
  it('is off without LISTEN_PID or when LISTEN_PID names another process, and always clears the variables', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'minidock.socket' };
    expect(activatedSocket(env, 42)).toBeUndefined();
    expect(env).toEqual({});
    expect(activatedSocket({}, 42)).toBeUndefined();
    expect(activatedSocket({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42)).toBeUndefined();
  });

  it('refuses more than one socket, naming the unit file as the cause', () => {
    expect(() => activatedSocket({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42)).toThrow(/2 sockets.*exactly one ListenStream/);
  });
});
