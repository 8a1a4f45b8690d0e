import { describe, it, expect } from 'vitest';
import { parseChallenges, tokenUrl, parseTokenResponse, basicHeader } from '../../src/image/auth.js';
import { registryBaseUrl, isLoopback } from '../../src/image/registry.js';
import { credentialKey, encodeAuth, decodeAuth } from '../../src/image/credentials.js';

describe('WWW-Authenticate parsing', () => {
  it('parses Docker Hub style bearer challenges', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
  });
  it('parses basic, unquoted values, escapes, spaces and several challenges', () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges('Bearer realm=http://x/token, service=reg,  Basic realm="a \\"q\\" b"')).toEqual([
      { scheme: 'bearer', params: { realm: 'http://x/token', service: 'reg' } },
      { scheme: 'basic', params: { realm: 'a "q" b' } },
    ]);
    expect(parseChallenges('BEARER Realm = "r" , Error="insufficient_scope"')).toEqual([
      { scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope' } },
    ]);
    expect(parseChallenges('')).toEqual([]);
  });
  it('builds token URLs and reads token responses', () => {
    const u = tokenUrl({ scheme: 'bearer', params: { realm: 'http://127.0.0.1:1/token?x=1', service: 'svc' } }, ['repository:a/b:pull']);
    expect(u.href).toBe('http://127.0.0.1:1/token?x=1&service=svc&scope=repository%3Aa%2Fb%3Apull');
    expect(() => tokenUrl({ scheme: 'bearer', params: {} }, [])).toThrow(/without realm/);
    expect(parseTokenResponse({ token: 't', expires_in: 300 }, 1000)).toEqual({ token: 't', expiresAt: 1000 + 295_000 });
    expect(parseTokenResponse({ access_token: 'a' }, 0)).toEqual({ token: 'a', expiresAt: 55_000 });
    expect(() => parseTokenResponse({})).toThrow(/no token/);
    expect(basicHeader({ username: 'u', password: 'p:w' })).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
  });
});

describe('registry scheme', () => {
  it.each([
    ['localhost:5000', [], 'http://localhost:5000'],
    ['127.0.0.1:5000', [], 'http://127.0.0.1:5000'],
    ['127.9.8.7', [], 'http://127.9.8.7'],
    ['[::1]:5000', [], 'http://[::1]:5000'],
    ['docker.io', [], 'https://registry-1.docker.io'],
    ['reg.example.com:5000', [], 'https://reg.example.com:5000'],
    ['reg.example.com:5000', ['reg.example.com:5000'], 'http://reg.example.com:5000'],
    ['128.0.0.1:5000', [], 'https://128.0.0.1:5000'],
  ] as [string, string[], string][])('%s (insecure %j) -> %s', (domain, insecure, want) => {
    expect(registryBaseUrl(domain, insecure)).toBe(want);
  });
  it('knows loopback', () => {
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('localhost.example.com')).toBe(false);
  });
});

describe('credential keys', () => {
  it('keys Docker Hub like docker does and strips schemes', () => {
    expect(credentialKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(credentialKey('https://index.docker.io/v1/')).toBe('https://index.docker.io/v1/');
    expect(credentialKey('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
    expect(() => credentialKey(' ')).toThrow(/must not be empty/);
    expect(decodeAuth(encodeAuth({ username: 'u', password: 'a:b' }))).toEqual({ username: 'u', password: 'a:b' });
    expect(decodeAuth(Buffer.from('nocolon').toString('base64'))).toBeUndefined();
  });
});
