// Image reference parsing with Docker's rules (distribution/reference: ParseNormalizedNamed):
// `nginx` -> docker.io/library/nginx:latest. Pure, so every rule is table-tested; an invalid
// reference is rejected here, before any network traffic.
import { InvalidReference } from '../errors.js';

export interface Reference {
  /** Registry host[:port] as written, docker.io for Docker Hub. */
  domain: string;
  /** Repository path inside the registry, e.g. library/nginx. */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_MAX = 255;

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})`;
const domainRe = new RegExp(`^${host}(?::[0-9]+)?$`);
const pathRe = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const hex64 = /^[a-f0-9]{64}$/;

/** Validates `algo:hex`; sha256 must be 64 lower-case hex (like go-digest). */
export function validateDigest(ref: string, digest: string): void {
  if (!digestRe.test(digest)) throw new InvalidReference(ref, `invalid digest ${digest}`);
  const [algo, hex] = digest.split(':');
  if (algo === 'sha256' && !hex64.test(hex)) throw new InvalidReference(ref, `invalid sha256 digest ${digest}`);
  if (algo !== 'sha256' && algo !== 'sha384' && algo !== 'sha512') throw new InvalidReference(ref, `unsupported digest algorithm ${algo}`);
}

/** Splits `[domain/]remainder` the way Docker does: the first component is a domain only if it
 *  contains '.' or ':', is `localhost`, or has upper-case letters. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (i === -1 || (!/[.:]/.test(name.slice(0, i)) && name.slice(0, i) !== 'localhost' && name.slice(0, i).toLowerCase() === name.slice(0, i))) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = name.slice(0, i);
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

export function parseReference(input: string): Reference {
  if (input.length === 0) throw new InvalidReference(input, 'repository name must have at least one component');
  if (hex64.test(input)) throw new InvalidReference(input, 'cannot specify 64-byte hexadecimal strings');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(input, digest);
  }
  let tag: string | undefined;
  // a ':' after the last '/' starts the tag; earlier ones belong to host:port
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw new InvalidReference(input, `invalid tag ${JSON.stringify(tag)}`);
  }
  const { domain, remainder } = splitDomain(rest);
  if (remainder.toLowerCase() !== remainder) throw new InvalidReference(input, 'repository name must be lowercase');
  if (!domainRe.test(domain)) throw new InvalidReference(input, `invalid registry host ${JSON.stringify(domain)}`);
  if (!pathRe.test(remainder)) throw new InvalidReference(input, `invalid repository name ${JSON.stringify(remainder)}`);
  if (domain.length + 1 + remainder.length > NAME_MAX) throw new InvalidReference(input, `repository name must not be more than ${NAME_MAX} characters`);
  return { domain, path: remainder, tag, digest };
}

/** Docker pulls `name:tag@digest` by digest alone (ParseDockerRef); a bare name gets `latest`. */
export function pullReference(input: string): Reference {
  const ref = parseReference(input);
  if (ref.digest) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return { ...ref, tag: ref.tag ?? 'latest' };
}

export const repoName = (r: Reference) => `${r.domain}/${r.path}`;

/** Fully normalised string: docker.io/library/nginx:latest, host:5000/a@sha256:... */
export function formatReference(r: Reference): string {
  return `${repoName(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Docker's familiar form: docker.io/library/ and docker.io/ are dropped. */
export function familiarName(r: Pick<Reference, 'domain' | 'path'>): string {
  if (r.domain !== DEFAULT_DOMAIN) return `${r.domain}/${r.path}`;
  return r.path.startsWith(OFFICIAL_PREFIX) && r.path.indexOf('/', OFFICIAL_PREFIX.length) === -1 ? r.path.slice(OFFICIAL_PREFIX.length) : r.path;
}

export function familiarString(r: Reference): string {
  return `${familiarName(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The registry API host: Docker Hub's API lives at registry-1.docker.io. */
export const registryHost = (domain: string) => (domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain);

/**
 * How docker's "No such image" names what was asked for: 64 hex as sha256:<hex>, a reference
 * in its familiar form with :latest when it has no tag or digest (`nosuchimg` -> nosuchimg:latest,
 * `library/x` -> x:latest), anything unparsable as typed.
 */
export function notFoundName(refOrId: string): string {
  if (hex64.test(refOrId)) return `sha256:${refOrId}`;
  if (refOrId.startsWith('sha256:')) return refOrId;
  try {
    const r = parseReference(refOrId);
    return familiarString(r.tag || r.digest ? r : { ...r, tag: 'latest' });
  } catch {
    return refOrId;
  }
}
