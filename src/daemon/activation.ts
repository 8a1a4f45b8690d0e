// systemd socket activation (sd_listen_fds(3)): when systemd (or systemd-socket-activate)
// started the engine for minidock.socket, the listening socket is fd 3 and LISTEN_PID names
// this process. The variables are removed so that nothing the engine starts inherits them.
import fs from 'node:fs';
import { invalidArgument } from '../errors.js';

const SD_LISTEN_FDS_START = 3;

/** The activated listening fd, or undefined when the engine was not socket-activated. */
export function activatedSocket(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const listenPid = env.LISTEN_PID;
  const listenFds = env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (listenPid === undefined || Number(listenPid) !== pid) return undefined;
  const n = Number(listenFds);
  if (!Number.isInteger(n) || n < 1) return undefined;
  // minidock listens on one socket, as minidock.socket declares; more is a unit file error
  if (n > 1) throw invalidArgument(`socket activation passed ${n} sockets; minidock.socket must declare exactly one ListenStream`);
  if (!fs.fstatSync(SD_LISTEN_FDS_START).isSocket()) throw invalidArgument(`socket activation: fd ${SD_LISTEN_FDS_START} is not a socket`);
  return SD_LISTEN_FDS_START;
}
