// Maps (service, method, path) to a handler and to the "path shape" the stats count.
import type { Ctx, Reply } from './context.js';
import { fault } from './http-util.js';
import { actionName, serverAction } from './nova-actions.js';
import { listServers, showServer } from './nova-servers.js';
import { attachVolume, listVolumeAttachments } from './nova-volume-attachments.js';
import { deleteServer } from './nova-delete.js';
import { listInstanceActions, listServices, updateService } from './nova-services.js';
import { listHypervisors } from './nova-hypervisors.js';
import { listMigrations, listServerMigrations } from './nova-migrations.js';
import { computeVersionDocument } from './nova-versions.js';
import type { VolumeBackend } from './volume-backend.js';

type Handler = (ctx: Ctx, params: string[]) => Promise<Reply>;
interface Route {
  method: string;
  pattern: RegExp;
  shape: string;
  handler: Handler;
}

export function computeRoutes(backend: VolumeBackend): Route[] {
  return [
    { method: 'GET', pattern: /^\/$/, shape: '/', handler: async (c) => computeVersionDocument(c) },
    { method: 'GET', pattern: /^\/servers\/detail$/, shape: '/servers/detail', handler: (c) => listServers(c, backend, true) },
    { method: 'GET', pattern: /^\/servers$/, shape: '/servers', handler: (c) => listServers(c, backend, false) },
    { method: 'GET', pattern: /^\/servers\/([^/]+)$/, shape: '/servers/{id}', handler: (c, [id]) => showServer(c, backend, id) },
    { method: 'DELETE', pattern: /^\/servers\/([^/]+)$/, shape: '/servers/{id}', handler: (c, [id]) => deleteServer(c, backend, id) },
    { method: 'POST', pattern: /^\/servers\/([^/]+)\/action$/, shape: '/servers/{id}/action', handler: (c, [id]) => serverAction(c, backend, id) },
    {
      method: 'GET',
      pattern: /^\/servers\/([^/]+)\/os-volume_attachments$/,
      shape: '/servers/{id}/os-volume_attachments',
      handler: (c, [id]) => listVolumeAttachments(c, backend, id),
    },
    {
      method: 'POST',
      pattern: /^\/servers\/([^/]+)\/os-volume_attachments$/,
      shape: '/servers/{id}/os-volume_attachments',
      handler: (c, [id]) => attachVolume(c, backend, id),
    },
    {
      method: 'GET',
      pattern: /^\/servers\/([^/]+)\/os-instance-actions$/,
      shape: '/servers/{id}/os-instance-actions',
      handler: (c, [id]) => listInstanceActions(c, id),
    },
    {
      method: 'GET',
      pattern: /^\/servers\/([^/]+)\/migrations$/,
      shape: '/servers/{id}/migrations',
      handler: (c, [id]) => listServerMigrations(c, id),
    },
    { method: 'GET', pattern: /^\/os-migrations$/, shape: '/os-migrations', handler: (c) => listMigrations(c) },
    { method: 'GET', pattern: /^\/os-hypervisors$/, shape: '/os-hypervisors', handler: (c) => listHypervisors(c, false) },
    { method: 'GET', pattern: /^\/os-hypervisors\/detail$/, shape: '/os-hypervisors/detail', handler: (c) => listHypervisors(c, true) },
    { method: 'GET', pattern: /^\/os-services$/, shape: '/os-services', handler: (c) => listServices(c) },
    { method: 'PUT', pattern: /^\/os-services\/([^/]+)$/, shape: '/os-services/{id}', handler: (c, [id]) => updateService(c, id) },
  ];
}

export function volumeRoutes(backend: VolumeBackend): Route[] {
  const list: Handler = async (c) => {
    const sp = c.url.searchParams;
    const all = sp.get('all_tenants');
    const allTenants = all !== null && !['0', 'false', 'False'].includes(all);
    const limitText = sp.get('limit');
    if (limitText !== null && !/^\d+$/.test(limitText)) throw fault(400, `Invalid input received: limit must be an integer`);
    const limit = Math.min(limitText === null ? 1000 : Number(limitText), 1000);
    const r = await backend.listVolumes(c, {
      projectId: allTenants ? (sp.get('project_id') ?? undefined) : c.token!.projectId,
      status: sp.get('status') ?? undefined,
      name: sp.get('name') ?? undefined,
      limit,
      marker: sp.get('marker') ?? undefined,
    });
    const body: Record<string, unknown> = { volumes: r.volumes };
    if (r.full && r.last) {
      const next = new URLSearchParams(sp);
      next.set('limit', String(limit));
      next.set('marker', r.last);
      body.volumes_links = [{ rel: 'next', href: `${c.sim.baseUrl}/volume/v3/${c.token!.projectId}/volumes/detail?${next}` }];
    }
    return { status: 200, body };
  };
  return [
    { method: 'GET', pattern: /^\/volumes\/detail$/, shape: '/volumes/detail', handler: list },
    {
      method: 'GET',
      pattern: /^\/volumes\/([^/]+)$/,
      shape: '/volumes/{id}',
      handler: async (c, [id]) => {
        const v = await backend.getVolume(c, id);
        if (!v) throw fault(404, `Volume ${id} could not be found.`);
        return { status: 200, body: { volume: v } };
      },
    },
  ];
}

export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map(decodeURIComponent) };
  }
  return undefined;
}

/** Stats key: "POST compute /servers/{id}/action:reboot". */
export function statsShape(shape: string, body: unknown): string {
  return shape === '/servers/{id}/action' ? `${shape}:${actionName(body) ?? '?'}` : shape;
}
