// Placement's allocations (/allocations/{consumer}, /resource_providers/{uuid}/allocations): what
// one consumer (an instance) holds on which providers, who holds what on one provider, and the PUT
// that rewrites a consumer's allocations.
import { z } from 'zod';
import type { ApiOperation } from '../types.js';
import { posixCommand } from '../posix-quote.js';
import { fail, seg, type ReadApi } from './request.js';
import { providerPath } from './placement-providers.js';

/**
 * 1.28: allocations carry project, user and the consumer generation, so a rewrite based on a
 * stale read is refused (409) instead of clobbering a change.
 */
export const ALLOCATIONS_MICROVERSION = '1.28';

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

const allocationsJson = z.object({
  allocations: z.record(z.string(), z.object({ resources: z.record(z.string(), z.number()), generation: z.number().nullish() })),
  project_id: z.string().nullish(),
  user_id: z.string().nullish(),
  consumer_generation: z.number().nullish(),
});

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

export function showAllocations(consumer: string): ReadApi<ConsumerAllocations> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `/allocations/${seg(consumer)}`,
    microversion: ALLOCATIONS_MICROVERSION,
    parse: parseConsumerAllocations,
    summary: `show the Placement allocations of ${consumer}`,
    mutating: false,
    target: { instance: consumer },
    command: posixCommand(['openstack', '--os-placement-api-version', ALLOCATIONS_MICROVERSION, 'resource', 'provider', 'allocation', 'show', consumer]),
  };
}

/** Consumers with allocations against one provider: GET /resource_providers/{uuid}/allocations. */
export function providerAllocations(providerUuid: string): ReadApi<Record<string, Resources>> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `${providerPath(providerUuid)}/allocations`,
    microversion: ALLOCATIONS_MICROVERSION,
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
    microversion: ALLOCATIONS_MICROVERSION,
    okStatus: [204],
    parse: () => undefined,
    summary,
    mutating: true,
    target,
    command: posixCommand([
      'openstack', '--os-placement-api-version', ALLOCATIONS_MICROVERSION, 'resource', 'provider', 'allocation', 'set', consumer,
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
