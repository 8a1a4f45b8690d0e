// `login`: check credentials against a registry the way docker does (GET /v2/ with basic
// auth; on a bearer challenge, ask the token service with the same credentials), then store them.
import { MinidockError } from '../errors.js';
import { parseChallenges, tokenUrl, basicHeader, type Credentials } from '../image/auth.js';
import { registryBaseUrl } from '../image/registry.js';
import { credentialKey, type CredentialStore } from '../image/credentials.js';

function unauthorized(server: string, detail: string): MinidockError {
  return new MinidockError('Unauthorized', `login to ${server} failed: ${detail}`, { status: 401 });
}

export async function checkLogin(server: string, creds: Credentials, fetchFn: typeof fetch = fetch): Promise<void> {
  const host = credentialKey(server).replace(/^https:\/\/index\.docker\.io\/v1\/$/, 'registry-1.docker.io');
  const base = registryBaseUrl(host);
  const auth = basicHeader(creds);
  let res: Response;
  try {
    res = await fetchFn(`${base}/v2/`, { headers: { Authorization: auth }, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new MinidockError('RegistryError', `login to ${server} failed: cannot reach ${base}/v2/: ${(err as Error).message}`, { status: 502 });
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  if (res.status !== 401) throw new MinidockError('RegistryError', `login to ${server} failed: ${base}/v2/ answered ${res.status}`, { status: 502 });
  const bearer = parseChallenges(res.headers.get('www-authenticate') ?? '').find((c) => c.scheme === 'bearer');
  if (!bearer) throw unauthorized(server, 'incorrect username or password');
  const tokenRes = await fetchFn(tokenUrl(bearer, []).toString(), { headers: { Authorization: auth }, signal: AbortSignal.timeout(15_000) });
  await tokenRes.arrayBuffer().catch(() => undefined);
  if (!tokenRes.ok) throw unauthorized(server, tokenRes.status === 401 ? 'incorrect username or password' : `token service answered ${tokenRes.status}`);
}

export async function login(store: CredentialStore, server: string, creds: Credentials): Promise<void> {
  await checkLogin(server, creds);
  await store.set(server, creds);
}
