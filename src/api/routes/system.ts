// GET /_ping, GET /version, POST /auth.
import os from 'node:os';
import { invalidArgument } from '../../errors.js';
import type { Router } from '../router.js';
import type { Handler } from './deps.js';
import { ANSWERED } from '../http.js';

export const API_VERSION = '1.43';

export function registerSystem(router: Router<Handler>): void {
  const ping: Handler = async (ctx) => {
    ctx.answered = true;
    ctx.req.resume();
    // docker answers a plain "OK" with the API version header.
    const res = ctx.stream('text/plain; charset=utf-8');
    res.end('OK');
    return ANSWERED;
  };
  router.add('GET', '/_ping', ping).add('HEAD', '/_ping', ping);
  router.add('GET', '/version', async (_ctx, deps) => ({
    Platform: { Name: 'minidock' },
    Version: deps.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: '1.24',
    Os: 'linux',
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    KernelVersion: os.release(),
    GoVersion: `node ${process.version}`,
  }));
  router.add('POST', '/auth', async (ctx, deps) => {
    const body = await ctx.body<{ username?: string; password?: string; serveraddress?: string }>();
    if (!body?.username || !body.serveraddress) throw invalidArgument('username and serveraddress are required');
    await deps.images.login(body.serveraddress, { username: body.username, password: body.password ?? '' });
    return { Status: 'Login Succeeded', IdentityToken: '' };
  });
  // Not in docker's API (its CLI edits config.json itself); here the engine owns the login file.
  router.add('POST', '/auth/logout', async (ctx, deps) => {
    const body = await ctx.body<{ serveraddress?: string }>();
    if (!body?.serveraddress) throw invalidArgument('serveraddress is required');
    return { Removed: await deps.images.logout(body.serveraddress) };
  });
}
