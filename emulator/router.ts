import type { IncomingMessage } from 'node:http';
import type { EmulatorContext } from './context.js';
import type { Params } from './list.js';
import type { Account } from './state.js';

export interface RequestContext {
  emulator: EmulatorContext;
  account: Account;
  /** Path parameters. */
  path: Record<string, string>;
  /** Query string for GET and DELETE, form body for POST (Stripe's conventions). */
  params: Params;
  /** Whether the caller used the platform key with Stripe-Account (a Connect request). */
  viaPlatform: boolean;
  req: IncomingMessage;
}

export type Handler = (ctx: RequestContext) => unknown;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: 'GET' | 'POST' | 'DELETE', path: string, handler: Handler): void {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:(\w+)/g, (_m, k: string) => {
        keys.push(k);
        return '([^/]+)';
      })}$`,
    );
    this.routes.push({ method, pattern, keys, handler });
  }

  match(method: string, pathname: string): { handler: Handler; path: Record<string, string> } | null {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      return { handler: r.handler, path: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)])) };
    }
    return null;
  }
}
