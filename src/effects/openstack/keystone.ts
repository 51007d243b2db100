// Keystone v3 password authentication: one token, the service catalog resolved to one endpoint
// per service type for the configured interface and region.
import type { CloudAuth } from '../../config/types.js';
import type { Identity } from '../types.js';
import { apiMessage } from './api-message.js';
import { OpenStackError, networkReason } from './api-error.js';
import { header, type HttpAnswer, type HttpSend } from './http-client.js';

interface CatalogEndpoint {
  interface?: string;
  region_id?: string;
  region?: string;
  url?: string;
}
interface CatalogEntry {
  type?: string;
  endpoints?: CatalogEndpoint[];
}

/** Keystone v3 password authentication, relative to the auth URL (which ends in /v3, see config/cloud-auth.ts). */
export const TOKENS_PATH = '/auth/tokens';

export function authRequestBody(auth: CloudAuth): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: auth.username, domain: { name: auth.userDomainName }, password: auth.password } },
      },
      scope: { project: { name: auth.projectName, domain: { name: auth.projectDomainName } } },
    },
  };
}

export async function authenticate(
  auth: CloudAuth,
  send: HttpSend,
  timeoutMs: number,
): Promise<Identity> {
  const url = `${auth.authUrl}${TOKENS_PATH}`;
  let res: HttpAnswer;
  try {
    res = await send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(authRequestBody(auth)),
    });
  } catch (err) {
    throw new OpenStackError(
      `cannot reach Keystone at ${auth.authUrl}: ${networkReason(err, timeoutMs)} (credentials from ${auth.source})`,
      'check the auth URL and that this machine can reach it',
    );
  }
  const { text } = res;
  const body = safeJson(text);
  if (res.status === 401) {
    throw new OpenStackError(
      `Keystone at ${auth.authUrl} refused the credentials of user '${auth.username}' (domain ${auth.userDomainName}, project ${auth.projectName}; from ${auth.source})`,
      'check the user name, password, project and domains of those credentials',
    );
  }
  if (res.status < 200 || res.status > 299) {
    throw new OpenStackError(
      `Keystone at ${auth.authUrl} answered ${res.status}: ${apiMessage(body, text) ?? res.statusText}`,
      'check the auth URL and the project and domain names',
    );
  }
  const token = header(res, 'x-subject-token');
  const t = (body as { token?: { catalog?: CatalogEntry[]; project?: { id?: string }; user?: { id?: string } } })?.token;
  if (!token || !t) {
    throw new OpenStackError(`Keystone at ${auth.authUrl} returned no token`, 'is the auth URL a Keystone v3 endpoint?');
  }
  return {
    token,
    projectId: t.project?.id ?? '',
    userId: t.user?.id ?? '',
    endpoints: pickEndpoints(t.catalog ?? [], auth),
  };
}

export function pickEndpoints(catalog: CatalogEntry[], auth: CloudAuth): Record<string, string> {
  const endpoints: Record<string, string> = {};
  for (const entry of catalog) {
    if (!entry.type) continue;
    const match = (entry.endpoints ?? []).find(
      (e) =>
        e.interface === auth.interface &&
        (!auth.regionName || e.region_id === auth.regionName || e.region === auth.regionName) &&
        typeof e.url === 'string',
    );
    if (match?.url) endpoints[entry.type] = match.url.replace(/\/+$/, '');
  }
  // Newer Cinder registers 'block-storage'; the runbooks say 'volumev3'.
  if (!endpoints.volumev3 && endpoints['block-storage']) endpoints.volumev3 = endpoints['block-storage'];
  if (!endpoints.identity) endpoints.identity = auth.authUrl;
  return endpoints;
}

export function safeJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
