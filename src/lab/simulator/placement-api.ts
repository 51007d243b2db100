// Placement (/placement, catalog type 'placement'), the calls a failed-node recovery needs:
// GET /resource_providers (?name= ?uuid= ?in_tree= ?resources= ?member_of= ?required=),
// GET /resource_providers/{uuid}[/allocations|/inventories|/usages], and GET/PUT/DELETE
// /allocations/{consumer_uuid}, with openstack-placement 8.0.0's microversion rules (Zed: 1.0-1.39):
// PUT takes a list before 1.12 and a dict from 1.12, needs project_id/user_id from 1.8,
// consumer_generation from 1.28 and consumer_type from 1.38; GET shows project_id/user_id from
// 1.12, consumer_generation from 1.28, consumer_type from 1.38; errors carry a code from 1.23.
// Error bodies are placement's: {"errors": [{"status", "title", "detail", "code", "request_id"}]}.
// Schema errors say what jsonschema's first line says ("JSON does not validate: ...") without the
// schema dump real placement appends.
import type { Ctx, Reply } from './context.js';
import { additionalProperties, ApiError, pyRepr, UUID_RE } from './http-util.js';
import { atLeast, versionString, PLACEMENT_MAX, PLACEMENT_MIN } from './microversion.js';
import {
  deleteConsumerAllocations,
  getConsumer,
  getProvider,
  listProviders,
  PlacementError,
  providerAllocations,
  providerInventories,
  providerUsages,
  replaceConsumerAllocations,
  type AllocationMap,
  type ProviderRow,
} from '../placement-db.js';

const EXPLANATION: Record<number, [string, string]> = {
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  404: ['Not Found', 'The resource could not be found.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
};

function perror(ctx: Ctx, status: 400 | 404 | 409, message: string, code = 'placement.undefined_code'): ApiError {
  const [title, explanation] = EXPLANATION[status];
  return rawError(ctx, status, title, `${explanation}\n\n ${message}  `, code);
}

function rawError(ctx: Ctx, status: number, title: string, detail: string, code = 'placement.undefined_code', headers: Record<string, string> = {}): ApiError {
  const e: Record<string, unknown> = { status, title, detail };
  if (atLeast(ctx.version, 1, 23)) e.code = code;
  e.request_id = ctx.requestId;
  return new ApiError(status, { errors: [e] }, headers);
}

function notAllowed(ctx: Ctx, allow: string): ApiError {
  return rawError(
    ctx,
    405,
    'Method Not Allowed',
    `The method ${ctx.method} is not allowed for this resource. \n\n The method specified is not allowed for this resource.`,
    'placement.undefined_code',
    { allow },
  );
}

function httpDate(d: Date | null | undefined): string {
  return (d ?? new Date()).toUTCString();
}

function cacheHeaders(ctx: Ctx, lastModified: Date | null | undefined): Record<string, string> {
  return atLeast(ctx.version, 1, 15) ? { 'Last-Modified': httpDate(lastModified), 'Cache-Control': 'no-cache' } : {};
}

export async function handlePlacement(ctx: Ctx): Promise<Reply> {
  const { method, path } = ctx;
  try {
    if (path === '/') {
      if (method !== 'GET') throw notAllowed(ctx, 'GET');
      return {
        status: 200,
        body: {
          versions: [
            {
              id: 'v1.0',
              max_version: versionString(PLACEMENT_MAX),
              min_version: versionString(PLACEMENT_MIN),
              status: 'CURRENT',
              links: [{ rel: 'self', href: '' }],
            },
          ],
        },
      };
    }
    if (path === '/resource_providers') {
      if (method !== 'GET') throw notAllowed(ctx, 'GET, POST');
      return await listResourceProviders(ctx);
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/resource_providers\/([^/]+)(?:\/(allocations|inventories|usages))?$/.exec(path))) {
      if (method !== 'GET') throw notAllowed(ctx, m[2] === 'inventories' ? 'GET, POST, PUT, DELETE' : m[2] ? 'GET' : 'GET, PUT, DELETE');
      return await providerResource(ctx, decodeURIComponent(m[1]), m[2] as 'allocations' | 'inventories' | 'usages' | undefined);
    }
    if ((m = /^\/allocations\/([^/]+)$/.exec(path))) {
      const consumer = decodeURIComponent(m[1]);
      if (method === 'GET') return await showConsumer(ctx, consumer);
      if (method === 'PUT') return await putAllocations(ctx, consumer);
      if (method === 'DELETE') return await deleteAllocations(ctx, consumer);
      throw notAllowed(ctx, 'GET, PUT, DELETE');
    }
    throw rawError(ctx, 404, 'Not Found', 'The resource could not be found.\n\n   ');
  } catch (e) {
    if (e instanceof PlacementError) throw perror(ctx, e.status, e.detail, e.code);
    throw e;
  }
}

function providerView(ctx: Ctx, rp: ProviderRow): Record<string, unknown> {
  const self = `/resource_providers/${rp.uuid}`;
  const links = [
    { rel: 'self', href: self },
    { rel: 'inventories', href: `${self}/inventories` },
    { rel: 'usages', href: `${self}/usages` },
  ];
  if (atLeast(ctx.version, 1, 1)) links.push({ rel: 'aggregates', href: `${self}/aggregates` });
  if (atLeast(ctx.version, 1, 6)) links.push({ rel: 'traits', href: `${self}/traits` });
  if (atLeast(ctx.version, 1, 11)) links.push({ rel: 'allocations', href: `${self}/allocations` });
  const out: Record<string, unknown> = { uuid: rp.uuid, name: rp.name, generation: rp.generation, links };
  if (atLeast(ctx.version, 1, 14)) {
    out.parent_provider_uuid = rp.parent_uuid;
    out.root_provider_uuid = rp.root_uuid;
  }
  return out;
}

function lastModifiedOf(rows: { created_at: Date | null; updated_at: Date | null }[]): Date | null {
  let last: Date | null = null;
  for (const r of rows) {
    const t = r.updated_at ?? r.created_at;
    if (t && (!last || t > last)) last = t;
  }
  return last;
}

async function listResourceProviders(ctx: Ctx): Promise<Reply> {
  const sp = ctx.url.searchParams;
  const allowed = ['name', 'uuid'];
  if (atLeast(ctx.version, 1, 3)) allowed.push('member_of');
  if (atLeast(ctx.version, 1, 4)) allowed.push('resources');
  if (atLeast(ctx.version, 1, 14)) allowed.push('in_tree');
  if (atLeast(ctx.version, 1, 18)) allowed.push('required');
  const extra = additionalProperties(Object.fromEntries(sp.entries()), allowed);
  if (extra) throw perror(ctx, 400, `Invalid query string parameters: ${extra}`);
  for (const k of ['uuid', 'in_tree']) {
    const v = sp.get(k);
    if (v !== null && !UUID_RE.test(v)) throw perror(ctx, 400, `Invalid query string parameters: ${pyRepr(v)} is not a 'uuid'`);
  }
  let rows = await listProviders(ctx.sim.db, { name: sp.get('name') ?? undefined, uuid: sp.get('uuid') ?? undefined });
  // The lab's providers are all roots without aggregates or traits.
  const inTree = sp.get('in_tree');
  if (inTree !== null) rows = rows.filter((r) => r.root_uuid === inTree);
  if (sp.get('member_of')) rows = [];
  if (sp.get('required')) rows = [];
  const resources = sp.get('resources');
  if (resources !== null) rows = await withCapacity(ctx, rows, resources);
  return {
    status: 200,
    body: { resource_providers: rows.map((r) => providerView(ctx, r)) },
    headers: cacheHeaders(ctx, lastModifiedOf(rows)),
  };
}

/** ?resources=VCPU:1,MEMORY_MB:512: providers with that much free capacity, within max_unit. */
async function withCapacity(ctx: Ctx, rows: ProviderRow[], spec: string): Promise<ProviderRow[]> {
  const wanted: [string, number][] = [];
  for (const part of spec.split(',')) {
    const m = /^([A-Z0-9_]+):(\d+)$/.exec(part.trim());
    if (!m) {
      throw perror(ctx, 400, `Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${part.trim()}.`);
    }
    wanted.push([m[1], Number(m[2])]);
  }
  const out: ProviderRow[] = [];
  for (const rp of rows) {
    const inv = new Map((await providerInventories(ctx.sim.db, rp.id)).map((i) => [i.resource_class as string, i]));
    const used = await providerUsages(ctx.sim.db, rp.id);
    const fits = wanted.every(([rc, n]) => {
      const i = inv.get(rc);
      if (!i) return false;
      const capacity = (i.total - i.reserved) * i.allocation_ratio;
      return n <= i.max_unit && (used[rc] ?? 0) + n <= capacity;
    });
    if (fits) out.push(rp);
  }
  return out;
}

async function providerResource(ctx: Ctx, uuid: string, sub: 'allocations' | 'inventories' | 'usages' | undefined): Promise<Reply> {
  const rp = await getProvider(ctx.sim.db, uuid);
  if (!rp) {
    const notFound = `No resource provider with uuid ${uuid} found`;
    throw perror(ctx, 404, sub === 'allocations' ? `Resource provider '${uuid}' not found: ${notFound}` : notFound);
  }
  if (!sub) return { status: 200, body: providerView(ctx, rp), headers: cacheHeaders(ctx, rp.updated_at ?? rp.created_at) };
  if (sub === 'inventories') {
    const inventories: Record<string, unknown> = {};
    for (const i of await providerInventories(ctx.sim.db, rp.id)) {
      inventories[i.resource_class] = {
        total: i.total,
        reserved: i.reserved,
        min_unit: i.min_unit,
        max_unit: i.max_unit,
        step_size: i.step_size,
        allocation_ratio: i.allocation_ratio,
      };
    }
    return { status: 200, body: { resource_provider_generation: rp.generation, inventories }, headers: cacheHeaders(ctx, rp.updated_at ?? rp.created_at) };
  }
  if (sub === 'usages') {
    return { status: 200, body: { resource_provider_generation: rp.generation, usages: await providerUsages(ctx.sim.db, rp.id) }, headers: cacheHeaders(ctx, null) };
  }
  const { consumers, lastModified } = await providerAllocations(ctx.sim.db, rp.id);
  const allocations: Record<string, unknown> = {};
  for (const [consumer, c] of consumers) {
    allocations[consumer] = atLeast(ctx.version, 1, 28) ? { resources: c.resources, consumer_generation: c.generation } : { resources: c.resources };
  }
  return { status: 200, body: { allocations, resource_provider_generation: rp.generation }, headers: cacheHeaders(ctx, lastModified) };
}

async function showConsumer(ctx: Ctx, consumer: string): Promise<Reply> {
  // No 404 here: an unknown (or malformed) consumer simply has no allocations.
  const c = await getConsumer(ctx.sim.db, consumer);
  const allocations: Record<string, unknown> = {};
  const body: Record<string, unknown> = { allocations };
  if (c) {
    for (const [rp, a] of c.allocations) allocations[rp] = { resources: a.resources, generation: a.generation };
    if (atLeast(ctx.version, 1, 12)) {
      body.project_id = c.projectId;
      body.user_id = c.userId;
      if (atLeast(ctx.version, 1, 28)) body.consumer_generation = c.generation;
      if (atLeast(ctx.version, 1, 38)) body.consumer_type = c.consumerType ?? 'unknown';
    }
  }
  return { status: 200, body, headers: cacheHeaders(ctx, c?.lastModified) };
}

function schemaError(ctx: Ctx, message: string): ApiError {
  return perror(ctx, 400, `JSON does not validate: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const RC_PATTERN = /^[A-Z0-9_]+$/;
const UUID_KEY = /^[0-9a-fA-F-]{36}$/;

function checkString(ctx: Ctx, v: unknown, max = 255): void {
  if (typeof v !== 'string') throw schemaError(ctx, `${pyRepr(v)} is not of type 'string'`);
  if (v.length < 1) throw schemaError(ctx, `${pyRepr(v)} is too short`);
  if (v.length > max) throw schemaError(ctx, `${pyRepr(v)} is too long`);
}

function checkResources(ctx: Ctx, res: unknown): Record<string, number> {
  if (!isObject(res)) throw schemaError(ctx, `${pyRepr(res)} is not of type 'object'`);
  if (Object.keys(res).length < 1) throw schemaError(ctx, `${pyRepr(res)} does not have enough properties`);
  const bad = Object.keys(res).filter((k) => !RC_PATTERN.test(k));
  if (bad.length) throw schemaError(ctx, additionalProperties(res, Object.keys(res).filter((k) => RC_PATTERN.test(k)))!);
  for (const v of Object.values(res)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw schemaError(ctx, `${pyRepr(v)} is not of type 'integer'`);
    if (v < 1) throw schemaError(ctx, `${v} is less than the minimum of 1`);
  }
  return res as Record<string, number>;
}

/** The PUT body as placement's schema for this microversion accepts it, or its schema error. */
function parsePutBody(ctx: Ctx, body: unknown): {
  allocations: AllocationMap;
  projectId?: string;
  userId?: string;
  consumerGeneration?: number | null;
  consumerType?: string;
} {
  const v = ctx.version;
  if (!isObject(body)) throw schemaError(ctx, `${pyRepr(body ?? null)} is not of type 'object'`);
  const required = ['allocations'];
  if (atLeast(v, 1, 8)) required.push('project_id', 'user_id');
  if (atLeast(v, 1, 28)) required.push('consumer_generation');
  if (atLeast(v, 1, 38)) required.push('consumer_type');
  for (const r of required) if (!(r in body)) throw schemaError(ctx, `${pyRepr(r)} is a required property`);
  const allowed = [...required];
  if (atLeast(v, 1, 34)) allowed.push('mappings');
  const extra = additionalProperties(body, allowed);
  if (extra) throw schemaError(ctx, extra);
  if ('project_id' in body) checkString(ctx, body.project_id);
  if ('user_id' in body) checkString(ctx, body.user_id);
  if ('consumer_generation' in body) {
    const g = body.consumer_generation;
    if (g !== null && (typeof g !== 'number' || !Number.isInteger(g))) throw schemaError(ctx, `${pyRepr(g)} is not of type 'integer', 'null'`);
  }
  if ('consumer_type' in body) {
    checkString(ctx, body.consumer_type);
    if (!RC_PATTERN.test(body.consumer_type as string)) {
      throw schemaError(ctx, `${pyRepr(body.consumer_type)} does not match '^[A-Z0-9_]+$'`);
    }
  }
  const allocations: AllocationMap = {};
  const a = body.allocations;
  if (!atLeast(v, 1, 12)) {
    if (!Array.isArray(a)) throw schemaError(ctx, `${pyRepr(a)} is not of type 'array'`);
    if (a.length < 1) throw schemaError(ctx, '[] is too short');
    for (const item of a) {
      if (!isObject(item)) throw schemaError(ctx, `${pyRepr(item)} is not of type 'object'`);
      for (const r of ['resource_provider', 'resources']) if (!(r in item)) throw schemaError(ctx, `${pyRepr(r)} is a required property`);
      const ex = additionalProperties(item, ['resource_provider', 'resources']);
      if (ex) throw schemaError(ctx, ex);
      const rp = item.resource_provider;
      if (!isObject(rp)) throw schemaError(ctx, `${pyRepr(rp)} is not of type 'object'`);
      if (!('uuid' in rp)) throw schemaError(ctx, "'uuid' is a required property");
      const ex2 = additionalProperties(rp, ['uuid']);
      if (ex2) throw schemaError(ctx, ex2);
      if (typeof rp.uuid !== 'string') throw schemaError(ctx, `${pyRepr(rp.uuid)} is not of type 'string'`);
      if (!UUID_RE.test(rp.uuid)) throw schemaError(ctx, `${pyRepr(rp.uuid)} is not a 'uuid'`);
      allocations[rp.uuid] = checkResources(ctx, item.resources);
    }
  } else {
    if (!isObject(a)) throw schemaError(ctx, `${pyRepr(a)} is not of type 'object'`);
    if (!atLeast(v, 1, 28) && Object.keys(a).length < 1) throw schemaError(ctx, `${pyRepr(a)} does not have enough properties`);
    const badKeys = Object.keys(a).filter((k) => !UUID_KEY.test(k));
    if (badKeys.length) throw schemaError(ctx, additionalProperties(a, Object.keys(a).filter((k) => UUID_KEY.test(k)))!);
    for (const [rp, entry] of Object.entries(a)) {
      if (!isObject(entry)) throw schemaError(ctx, `${pyRepr(entry)} is not of type 'object'`);
      if (!('resources' in entry)) throw schemaError(ctx, "'resources' is a required property");
      const ex = additionalProperties(entry, ['resources', 'generation']);
      if (ex) throw schemaError(ctx, ex);
      if ('generation' in entry && (typeof entry.generation !== 'number' || !Number.isInteger(entry.generation))) {
        throw schemaError(ctx, `${pyRepr(entry.generation)} is not of type 'integer'`);
      }
      allocations[rp] = checkResources(ctx, entry.resources);
    }
  }
  return {
    allocations,
    projectId: body.project_id as string | undefined,
    userId: body.user_id as string | undefined,
    consumerGeneration: body.consumer_generation as number | null | undefined,
    consumerType: body.consumer_type as string | undefined,
  };
}

async function putAllocations(ctx: Ctx, consumer: string): Promise<Reply> {
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    const shown = type || 'None';
    throw rawError(
      ctx,
      415,
      'Unsupported Media Type',
      `The request media type ${shown} is not supported by this server. \n\n The media type ${shown} is not supported, use application/json`,
    );
  }
  if (!UUID_RE.test(consumer) && !/^[0-9a-f]{32}$/i.test(consumer)) throw perror(ctx, 400, `Malformed consumer_uuid: ${consumer}`);
  const normalized = consumer.includes('-')
    ? consumer.toLowerCase()
    : consumer.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  if (ctx.bodyInvalid) throw perror(ctx, 400, 'Malformed JSON: Expecting value: line 1 column 1 (char 0)');
  const data = parsePutBody(ctx, ctx.body);
  await replaceConsumerAllocations(ctx.sim.db, normalized, data.allocations, {
    projectId: data.projectId,
    userId: data.userId,
    consumerGeneration: data.consumerGeneration,
    checkGeneration: atLeast(ctx.version, 1, 28),
    consumerType: data.consumerType,
  });
  return { status: 204 };
}

async function deleteAllocations(ctx: Ctx, consumer: string): Promise<Reply> {
  if (!(await deleteConsumerAllocations(ctx.sim.db, consumer))) throw perror(ctx, 404, `No allocations for consumer '${consumer}'`);
  return { status: 204 };
}
