// The novaops config file as written by the operator (snake_case, strict: a typo is an error,
// not a silently ignored setting).
import { z } from 'zod';

const nonEmpty = z.string().min(1);
const port = z.number().int().min(1).max(65535);

const databaseSchema = z.union([z.strictObject({ conf: nonEmpty }), z.strictObject({ url: nonEmpty })]);

const localHostSchema = z.strictObject({
  via: z.literal('local'),
  root: nonEmpty.optional(),
  /** The files nova-compute reads on this host, in order (default /etc/nova/nova.conf, /etc/nova/nova-compute.conf). */
  nova_conf: z.array(nonEmpty).min(1).optional(),
  path_prepend: z.array(nonEmpty).optional(),
  env: z.record(z.string(), z.string()).optional(),
});

const sshHostSchema = z.strictObject({
  via: z.literal('ssh'),
  root: nonEmpty.optional(),
  nova_conf: z.array(nonEmpty).min(1).optional(),
  address: nonEmpty,
  port: port.optional(),
  user: nonEmpty.optional(),
  identity_file: nonEmpty.optional(),
  known_hosts_file: nonEmpty.optional(),
  /** [user@]bastion[:port], or none: overrides ssh.proxy_jump for this host. */
  proxy_jump: nonEmpty.optional(),
});

export const configFileSchema = z.strictObject({
  cloud: nonEmpty.optional(),
  clouds_yaml: nonEmpty.optional(),
  state_dir: nonEmpty.optional(),
  /** A session for whoever shadows on-call: dry-runs, show, transcripts and doctor; live runs refused. */
  read_only: z.boolean().optional(),
  databases: z
    .strictObject({
      nova: databaseSchema.optional(),
      cinder: databaseSchema.optional(),
      /** Where the cell mappings are: default, [api_database] of the nova conf file. */
      nova_api: databaseSchema.optional(),
      /** A cell's database as this host reaches it, by cell name, where its mapping's URL does not. */
      cells: z.record(z.string(), z.strictObject({ url: nonEmpty })).optional(),
    })
    .optional(),
  hosts: z.record(z.string(), z.discriminatedUnion('via', [localHostSchema, sshHostSchema])).optional(),
  /** How to reach compute hosts over ssh: the defaults of hosts: entries, and the whole recipe for hosts found through the Compute API. */
  ssh: z
    .strictObject({
      user: nonEmpty.optional(),
      port: port.optional(),
      identity_file: nonEmpty.optional(),
      known_hosts_file: nonEmpty.optional(),
      /** [user@]bastion[:port]: every host is reached through it (ProxyJump), with the same strict host key checking. */
      proxy_jump: nonEmpty.optional(),
    })
    .optional(),
  guests: z
    .strictObject({
      user: nonEmpty,
      port: port.optional(),
      identity_file: nonEmpty.optional(),
      known_hosts_file: nonEmpty.optional(),
      address_from: z.enum(['fixed', 'floating']).optional(),
    })
    .optional(),
  api: z
    .strictObject({
      concurrency: z.number().int().min(1).max(256).optional(),
      timeout_ms: z.number().int().min(100).optional(),
      no_answer_stop_ms: z.number().int().min(100).optional(),
    })
    .optional(),
  poll: z
    .strictObject({
      initial_ms: z.number().int().min(1).optional(),
      max_ms: z.number().int().min(1).optional(),
      timeout_ms: z.number().int().min(1).optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;

/** One line per problem, each naming the key path, e.g. `databases.nova: expected { conf } or { url }`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map(describeIssue).join('; ');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (issue.path.length ? `${where}.${k}` : k));
    return `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  if (issue.code === 'invalid_union' && where.startsWith('databases.')) {
    return `${where}: expected { conf } or { url }`;
  }
  if (issue.code === 'invalid_union' && where.startsWith('hosts.')) {
    return `${where}: expected { via: local, ... } or { via: ssh, address, ... }`;
  }
  return `${where}: ${issue.message}`;
}
