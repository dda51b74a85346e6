import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { serve } from '@hono/node-server';
import type { LoopStore } from '../../shared/ports/loop-store.js';
import type { Publisher } from '../../shared/ports/services.js';
import { packageRoot } from '../../shared/local/function-hosts.js';
import { summarize } from '../commands/status.js';
import { whoAmI } from '../loop-actions.js';
import { Actions } from './actions.js';
import { cyclePage } from './cycle-page.js';
import { html, layout } from './html.js';
import { LiveHub, type FollowEvents } from './live.js';
import { loopPage } from './loop-page.js';
import { loopsPage } from './loops-page.js';

export interface DashboardDeps {
  store: Pick<LoopStore, 'getLoop' | 'getCycle' | 'listLoops' | 'listCycles'>;
  publisher: Publisher;
  /** Subscribes to loop-events (cli/loop-events.ts followLoopEvents in production). */
  follow: FollowEvents;
}

export interface DashboardOptions {
  /** Where the data comes from, shown in the header ("the emulators at ...", "project P"). */
  where: string;
  allowActions?: boolean;
  /**
   * Which Host headers (host:port) are served. Set when bound to loopback, so a page on another
   * site cannot read the dashboard by pointing its own domain at 127.0.0.1 (DNS rebinding).
   */
  allowHost?: (host: string) => boolean;
}

const ASSETS = { 'app.css': 'text/css; charset=utf-8', 'live.js': 'text/javascript; charset=utf-8' } as const;

/** The dashboard as a hono app: pages, assets, /events and, when allowed, the action posts. */
export async function createDashboard(deps: DashboardDeps, options: DashboardOptions): Promise<{ app: Hono; hub: LiveHub }> {
  const assets = Object.fromEntries(
    await Promise.all(Object.keys(ASSETS).map(async (name) => [name, await readFile(path.join(packageRoot(), 'cli', 'ui', 'static', name), 'utf8')] as const)),
  );
  const hub = new LiveHub(deps.follow);
  const actions = options.allowActions ? new Actions(deps, whoAmI()) : undefined;
  const app = new Hono();
  const allowHost = options.allowHost;
  if (allowHost) {
    app.use(async (c, next) => {
      if (!allowHost((c.req.header('host') ?? '').toLowerCase())) return c.text('refused: this dashboard answers only to its own address', 421);
      await next();
    });
  }
  // No inline script or style anywhere, so the policy can forbid them: even text that escaped
  // escaping could not run.
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
    }),
  );

  app.get('/assets/:name', (c) => {
    const name = c.req.param('name') as keyof typeof ASSETS;
    if (!(name in ASSETS)) return c.notFound();
    return c.body(assets[name]!, 200, { 'content-type': ASSETS[name], 'cache-control': 'no-cache' });
  });
  app.get('/events', (c) => hub.stream(c));
  app.get('/', async (c) => {
    const loops = await deps.store.listLoops();
    const rows = await Promise.all(loops.map(async (l) => summarize(l, l.currentCycle > 0 ? await deps.store.getCycle(l.loopId, l.currentCycle) : null)));
    return c.html(loopsPage(rows, options.where));
  });
  app.get('/loops/:loopId', async (c) => {
    const loopId = c.req.param('loopId');
    const loop = await deps.store.getLoop(loopId);
    if (!loop) return c.html(notFound(`No loop "${loopId}" in ${options.where}.`, options.where), 404);
    const cycles = await deps.store.listCycles(loopId);
    return c.html(loopPage(loop, cycles, { where: options.where, actions: actions?.buttons(loopId), published: c.req.query('published') }));
  });
  app.get('/loops/:loopId/cycles/:n', async (c) => {
    const loopId = c.req.param('loopId');
    const n = Number(c.req.param('n'));
    const loop = await deps.store.getLoop(loopId);
    const cycle = loop && Number.isInteger(n) && n > 0 ? await deps.store.getCycle(loopId, n) : null;
    if (!loop || !cycle) return c.html(notFound(`No cycle ${c.req.param('n')} of loop "${loopId}" in ${options.where}.`, options.where), 404);
    return c.html(cyclePage(loop, cycle, options.where));
  });
  actions?.register(app);
  // hono's own refusals (csrf's 403) keep their status; anything else is the store failing.
  app.onError((error, c) => error instanceof HTTPException ? error.getResponse() : c.html(notFound(`The dashboard could not read the store: ${error.message}`, options.where), 500));
  return { app, hub };
}

function notFound(message: string, where: string) {
  return layout({ title: 'not found', where }, html`<h1>Not found</h1><p>${message}</p><p><a href="/">All loops</a></p>`);
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the dashboard on host:port (port 0: any free port) and follows loop-events. On
 * loopback only loopback Host headers are accepted.
 */
export async function startDashboard(deps: DashboardDeps, options: DashboardOptions & { host: string; port: number }): Promise<RunningDashboard> {
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host);
  let port = 0;
  const { app, hub } = await createDashboard(deps, {
    ...options,
    allowHost: loopback ? (host) => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host) : undefined,
  });
  await hub.start();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  }).catch(async (error: Error) => {
    await hub.close();
    throw error;
  });
  port = (server.address() as AddressInfo).port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${shown}:${port}/`,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
