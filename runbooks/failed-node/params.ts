// What `novaops run failed-node` takes, checked before anything is read (exit 2, nothing changed):
// the options as declared (manifest.ts), the host names, paths and patterns checked closer, and
// the rules between options. Each message names the option and what to type instead.
import { z } from 'zod';
import { isHostName } from '../../src/values/validate.js';
import { showValue } from '../../src/values/show-value.js';
import { declaredFields } from '../../src/engine/params-schema.js';
import { failedNodeManifest } from './manifest.js';

function hostOption(flag: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${flag} is required: the Nova host name, as \`openstack compute service list\` shows it` : `${flag} takes a host name`) })
    .refine(isHostName, { error: (issue) => `${flag} ${showValue(issue.input)} is not a host name (letters, digits, hyphens, dots)` });
}

const declared = declaredFields(failedNodeManifest);

export const failedNodeParams = z
  .object({
    ...declared,
    failedHost: hostOption('--failed-host'),
    targetHost: hostOption('--target-host'),
    fenced: hostOption('--fenced').optional(),
    instancesPath: z
      .string()
      .refine((p) => p.startsWith('/') && !p.split('/').includes('..'), { error: (issue) => `--instances-path ${showValue(issue.input)} is not an absolute path` })
      // The root holds every host's files, not instances: a shared-storage check there proves nothing.
      .refine((p) => p.replace(/\/+/g, '/') !== '/', { error: () => '--instances-path / is the root directory, not an instances path' })
      .optional(),
    serviceVmNames: declared.serviceVmNames.refine(
      (p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      },
      { error: (issue) => `--service-vm-names ${showValue(issue.input)} is not a regular expression` },
    ),
    serviceVmMetadata: z
      .string()
      .refine((s) => s.split(',').every((k) => /^[A-Za-z0-9_.:-]+$/.test(k.trim())), { error: (issue) => `--service-vm-metadata ${showValue(issue.input)}: give metadata keys separated by commas` })
      .transform((s) => s.split(',').map((k) => k.trim()))
      .default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.failedHost === p.targetHost) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `--failed-host and --target-host are both ${p.failedHost}: the instances must move to another host (openstack compute service list shows the candidates)`,
      });
    }
    if (p.fenced !== undefined && p.fenced !== p.failedHost) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `--fenced ${p.fenced} does not name the failed host ${p.failedHost}: --fenced takes the failed host's name, typed again, to say you fenced it by other means (--fenced ${p.failedHost})`,
      });
    }
    if (p.updateAttachedHost && p.method !== 'db') {
      ctx.addIssue({ code: 'custom', path: [], message: '--update-attached-host goes with --method db (evacuate re-attaches the volumes on the target itself)' });
    }
  });

export type FailedNodeParams = z.output<typeof failedNodeParams>;
