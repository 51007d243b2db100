// Placement's resource providers (/resource_providers): a compute node's provider, found by its
// name (the node's hypervisor_hostname), and the tree of providers nested under it. The
// allocations against a provider are in allocations.ts, on providerPath.
import { z } from 'zod';
import { posixCommand } from '../posix-quote.js';
import { fail, query, seg, type ReadApi } from './request.js';

/**
 * 1.14 is the least in_tree needs; sent at 1.28, the version the allocations requests need
 * (allocations.ts), so that a run speaks to Placement at one version.
 */
export const PROVIDERS_MICROVERSION = '1.28';

export interface ResourceProvider {
  uuid: string;
  name: string;
  generation: number | null;
  rootProviderUuid: string | null;
  parentProviderUuid: string | null;
}

const providerJson = z.object({
  uuid: z.string(),
  name: z.string(),
  generation: z.number().nullish(),
  root_provider_uuid: z.string().nullish(),
  parent_provider_uuid: z.string().nullish(),
});

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

/** /resource_providers/{uuid}: where the requests about one provider start. */
export function providerPath(uuid: string): string {
  return `/resource_providers/${seg(uuid)}`;
}

/** The providers named `name` (a compute node's provider is named after its hypervisor_hostname). */
export function findProviders(name: string): ReadApi<ResourceProvider[]> {
  return {
    kind: 'api',
    service: 'placement',
    method: 'GET',
    path: `/resource_providers${query({ name })}`,
    microversion: PROVIDERS_MICROVERSION,
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
    path: `/resource_providers${query({ in_tree: rootUuid })}`,
    microversion: PROVIDERS_MICROVERSION,
    parse: parseProviders,
    summary: `list the resource provider tree of ${rootUuid}`,
    mutating: false,
    target: {},
    command: posixCommand(['openstack', '--os-placement-api-version', '1.14', 'resource', 'provider', 'list', '--in-tree', rootUuid]),
  };
}
