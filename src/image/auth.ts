// WWW-Authenticate challenge parsing (RFC 7235 auth-params, as registries send them) and the
// Docker token flow. Parsing is pure; fetching tokens goes through the registry transport.

export interface Challenge {
  scheme: string; // lower-cased: 'bearer', 'basic'
  params: Record<string, string>; // keys lower-cased
}

export interface Credentials {
  username: string;
  password: string;
}

/** Parses one or more challenges: `Bearer realm="r",service="s",scope="a b", Basic realm="x"`. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => { while (i < n && /[\s,]/.test(header[i])) i++; };
  const token = () => { const s = i; while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i])) i++; return header.slice(s, i); };
  let current: Challenge | undefined;
  while (i < n) {
    skipWs();
    const start = i;
    const word = token();
    if (!word) { i++; continue; }
    let j = i;
    while (j < n && header[j] === ' ') j++;
    if (header[j] === '=' && current) {
      // auth-param: key=value or key="quoted \"value\""
      i = j + 1;
      while (i < n && header[i] === ' ') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i++];
        }
        i++;
      } else {
        const s = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
        value = header.slice(s, i);
      }
      current.params[word.toLowerCase()] = value;
    } else if (start === i) {
      i++;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

export const basicHeader = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** Builds the token request URL for a bearer challenge and the scopes we need. */
export function tokenUrl(challenge: Challenge, scopes: string[]): URL {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('bearer challenge without realm');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  return url;
}

/** Token responses use `token` (Docker) or `access_token` (OAuth2); both are accepted. */
export function parseTokenResponse(body: unknown, now = Date.now()): { token: string; expiresAt: number } {
  const b = (body ?? {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof b.token === 'string' && b.token ? b.token : typeof b.access_token === 'string' ? b.access_token : '';
  if (!token) throw new Error('token response has no token');
  // the spec's default lifetime is 60s; renew a little early
  const life = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 60;
  return { token, expiresAt: now + Math.max(1, life - 5) * 1000 };
}
