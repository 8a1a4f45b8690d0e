// A small router for the engine API: method + path pattern with {params}; a trailing
// {name*} param swallows slashes (image names such as library/busybox:latest).
// Docker clients prefix paths with /v1.xx: that prefix is stripped before matching.
import { MinidockError } from '../errors.js';

export interface Match<H> { handler: H; params: Record<string, string> }

interface Route<H> { method: string; re: RegExp; keys: string[]; handler: H }

export function stripVersion(pathname: string): string {
  return pathname.replace(/^\/v\d+(\.\d+)?(?=\/)/, '');
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, pattern: string, handler: H): this {
    const keys: string[] = [];
    const re = pattern.replace(/[.+?^$()[\]\\|]/g, '\\$&').replace(/\{(\w+)(\*)?\}/g, (_m, key: string, star?: string) => {
      keys.push(key);
      return star ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, re: new RegExp(`^${re}$`), keys, handler });
    return this;
  }

  /** Finds the handler; 404 for an unknown path, 405 for a known path with another method. */
  match(method: string, pathname: string): Match<H> {
    const p = stripVersion(pathname);
    let pathKnown = false;
    for (const r of this.routes) {
      const m = r.re.exec(p);
      if (!m) continue;
      pathKnown = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]!); });
      return { handler: r.handler, params };
    }
    if (pathKnown) throw new MinidockError('InvalidArgument', `method ${method} not allowed for ${p}`, { status: 405 });
    throw new MinidockError('InvalidArgument', `page not found: ${method} ${p}`, { status: 404 });
  }
}
