// Placement as failed-node needs it: a host's resource providers, one consumer's allocations, and
// the PUT that rewrites them. Microversion 1.28: allocations carry project, user and the consumer
// generation, so a rewrite based on a stale read is refused (409) instead of clobbering a change.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';

/** Every call at one version (in_tree needs 1.14, consumer generations 1.28). */
export const PLACEMENT_MICROVERSION = '1.28';

export interface ResourceProvider {
  uuid: string;
  name: string;
  generation: number | null;
  rootProviderUuid: string | null;
  parentProviderUuid: string | null;
}

export type Resources = Record<string, number>;

export interface ConsumerAllocations {
  /** resource provider uuid -> resources */
  allocations: Record<string, { resources: Resources; generation?: number | null }>;
  projectId: string | null;
  userId: string | null;
  /** null: the consumer has no allocations (Placement knows no such consumer). */
  consumerGeneration: number | null;
}

/** The body of PUT /allocations/{consumer} (1.28). */
export interface AllocationsBody {
  allocations: Record<string, { resources: Resources }>;
  project_id: string;
  user_id: string;
  consumer_generation: number | null;
}

type ReadApi<T> = ApiOperation<T> & { mutating: false };
const seg = encodeURIComponent;

const providerJson = z.object({
  uuid: z.string(),
  name: z.string(),
  generation: z.number().nullish(),
  root_provider_uuid: z.string().nullish(),
  parent_provider_uuid: z.string().nullish(),
});

const allocationsJson = z.object({
  allocations: z.record(z.string(), z.object({ resources: z.record(z.string(), z.number()), generation: z.number().nullish() })),
  project_id: z.string().nullish(),
  user_id: z.string().nullish(),
  consumer_generation: z.number().nullish(),
});

function fail(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new Error(`${what}: ${issue ? `${issue.path.map(String).join('.') || 'top'}: ${issue.message}` : 'unexpected shape'}`);
}

export function parseProviders(body: unknown): ResourceProvider[] {
  const parsed = z.object({ resource_providers: z.array(providerJson) }).safeParse(body);
  if (!parsed.success) fail('resource_providers', parsed.error);
  return parsed.data.resource_providers.map((p) => ({
    uuid: p.uuid,
    name: p.name,
    generation: p.generation ?? null,
    rootProviderUuid: p.root_provider_uuid ?? null,
    parentProviderUuid: p.parent_provider_uuid ?? null,
  }));
}

export function parseConsumerAllocations(body: unknown): ConsumerAllocations {
  const parsed = allocationsJson.safeParse(body);
  if (!parsed.success) fail('allocations', parsed.error);
  const d = parsed.data;
  return {
    allocations: d.allocations,
    projectId: d.project_id ?? null,
    userId: d.user_id ?? null,
    consumerGeneration: d.consumer_generation ?? null,
  };
}

/** The providers named `name` (a compute node's provider is named after its hypervisor_hostname). */
export function findProviders(name: string): ReadApi<ResourceProvider[]> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `/resource_providers?${new URLSearchParams({ name }).toString()}`,
    microversion: PLACEMENT_MICROVERSION,
    parse: parseProviders,
    summary: `find the resource provider named ${name}`,
    mutating: false,
    target: {},
    command: posixCommand(['openstack', 'resource', 'provider', 'list', '--name', name]),
  };
}

/** The provider and its nested children (a compute node's tree). */
export function providerTree(rootUuid: string): ReadApi<ResourceProvider[]> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `/resource_providers?${new URLSearchParams({ in_tree: rootUuid }).toString()}`,
    microversion: PLACEMENT_MICROVERSION,
    parse: parseProviders,
    summary: `list the resource provider tree of ${rootUuid}`,
    mutating: false,
    target: {},
    command: posixCommand(['openstack', '--os-placement-api-version', '1.14', 'resource', 'provider', 'list', '--in-tree', rootUuid]),
  };
}

export function showAllocations(consumer: string): ReadApi<ConsumerAllocations> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `/allocations/${seg(consumer)}`,
    microversion: PLACEMENT_MICROVERSION,
    parse: parseConsumerAllocations,
    summary: `show the Placement allocations of ${consumer}`,
    mutating: false,
    target: { instance: consumer },
    command: posixCommand(['openstack', '--os-placement-api-version', PLACEMENT_MICROVERSION, 'resource', 'provider', 'allocation', 'show', consumer]),
  };
}

/** Consumers with allocations against one provider: GET /resource_providers/{uuid}/allocations. */
export function providerAllocations(providerUuid: string): ReadApi<Record<string, Resources>> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `/resource_providers/${seg(providerUuid)}/allocations`,
    microversion: PLACEMENT_MICROVERSION,
    parse: (body) => {
      const parsed = z.object({ allocations: z.record(z.string(), z.object({ resources: z.record(z.string(), z.number()) })) }).safeParse(body);
      if (!parsed.success) fail('allocations', parsed.error);
      return Object.fromEntries(Object.entries(parsed.data.allocations).map(([consumer, a]) => [consumer, a.resources]));
    },
    summary: `list the consumers with allocations on provider ${providerUuid}`,
    mutating: false,
    target: {},
    command: posixCommand(['openstack', 'resource', 'provider', 'show', '--allocations', providerUuid]),
  };
}

/**
 * Replaces a consumer's allocations with `body` in one request: what is not in it is released.
 * The consumer generation makes Placement refuse (409) a rewrite based on a stale read. (Never a
 * DELETE /allocations/{consumer} here: it would release what the instance holds on the target too.)
 */
export function replaceAllocations(consumer: string, body: AllocationsBody, summary: string, target: { instance: string; host?: string }): ApiOperation<void> {
  const providers = Object.entries(body.allocations);
  return {
    kind: 'api',
    service: 'placement',
    method: 'PUT',
    path: `/allocations/${seg(consumer)}`,
    body,
    microversion: PLACEMENT_MICROVERSION,
    okStatus: [204],
    parse: () => undefined,
    summary,
    mutating: true,
    target,
    command: posixCommand([
      'openstack', '--os-placement-api-version', PLACEMENT_MICROVERSION, 'resource', 'provider', 'allocation', 'set', consumer,
      '--project-id', body.project_id, '--user-id', body.user_id,
      ...providers.flatMap(([rp, a]) => ['--allocation', [`rp=${rp}`, ...Object.entries(a.resources).map(([rc, n]) => `${rc}=${n}`)].join(',')]),
    ]),
  };
}

/**
 * The allocations a consumer should have once it lives on `to` instead of the providers in
 * `from` (the failed host's tree): every allocation against `from` is released; if the consumer
 * holds nothing on `to` yet (a move done in the database), what it held on the failed host's root
 * provider is claimed on `to` instead. Allocations on other providers (shared storage, networks)
 * are kept as they are.
 */
export function allocationsAfterMove(current: ConsumerAllocations, from: ReadonlySet<string>, fromRoot: string, to: string): Record<string, { resources: Resources }> {
  const out: Record<string, { resources: Resources }> = {};
  for (const [rp, a] of Object.entries(current.allocations)) if (!from.has(rp)) out[rp] = { resources: { ...a.resources } };
  if (!out[to] && current.allocations[fromRoot]) out[to] = { resources: { ...current.allocations[fromRoot].resources } };
  return out;
}
