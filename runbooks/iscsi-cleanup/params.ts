// What `novaops run iscsi-cleanup` takes, checked before anything is read (exit 2, nothing changed):
// the compute host, the volume (UUID, or a numeric nova-volume id) or the session id (or both),
// and for --reconnect the portal and the target. Each message names the option and what to type.
import { z } from 'zod';
import { showValue } from '../../src/values/show-value.js';
import { isHostName, isIqn, isNumericId, isSessionId, isUuid } from '../../src/values/validate.js';
import { parsePortal } from '../../src/operations/iscsi.js';
import { declaredFields } from '../../src/engine/params-schema.js';
import { iscsiCleanupManifest } from './manifest.js';

export const iscsiCleanupParams = z
  .object(declaredFields(iscsiCleanupManifest))
  .strict()
  .superRefine((p, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.host === undefined) problem('--host', 'which compute node? give --host <host>, its name in the novaops config (hosts:)');
    else if (!isHostName(p.host)) problem('--host', `${showValue(p.host)} is not a valid host name (letters, digits, hyphens, dots)`);
    if (p.volume === undefined && p.session === undefined) {
      problem('--volume', 'which session? give --volume <id> (its sessions are found by their target name) or --session <N> (from iscsiadm -m session on the host)');
    }
    if (p.volume !== undefined && !isUuid(p.volume) && !isNumericId(p.volume)) {
      problem('--volume', `${showValue(p.volume)} is not a volume id (a Cinder UUID, or the numeric id of a nova-volume volume)`);
    }
    if (p.session !== undefined && !isSessionId(p.session)) {
      problem('--session', `${showValue(p.session)} is not an iSCSI session id (the positive integer in [N] of iscsiadm -m session)`);
    }
    if (p.reconnect) {
      if (p.portal === undefined) problem('--portal', '--reconnect needs --portal <ip of the volume server> for the discovery and the login');
      if (p.target === undefined) problem('--target', '--reconnect needs --target <iqn> to log in to');
    } else if (p.portal !== undefined || p.target !== undefined) {
      problem('--reconnect', '--portal and --target are for --reconnect (discovery and login after the cleanup); add --reconnect or drop them');
    }
    if (p.portal !== undefined) {
      try {
        parsePortal(p.portal, '--portal');
      } catch (error) {
        problem('--portal', `${showValue(p.portal)} is not an iSCSI portal (an IP address or host name, optionally :port)`);
        void error;
      }
    }
    if (p.target !== undefined && !isIqn(p.target)) {
      problem('--target', `${showValue(p.target)} is not an iSCSI qualified name (iqn.YYYY-MM.reversed.domain[:id], e.g. iqn.2010-10.org.openstack:volume-00000014)`);
    }
  });

export type IscsiCleanupParams = z.output<typeof iscsiCleanupParams>;

/** The session id as a number (checked when the run started). */
export function sessionParam(p: IscsiCleanupParams): number | undefined {
  return p.session === undefined ? undefined : Number(p.session);
}
