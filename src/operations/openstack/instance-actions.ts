// Nova's instance actions (GET /servers/{id}/os-instance-actions): the record Nova keeps of what
// was asked of a server (reboot, resetState, evacuate), which a resume reads to decide whether an
// unacknowledged request reached Nova, instead of sending it a second time.
import { z } from 'zod';
import { posixCommand } from '../posix-quote.js';
import { atMicroversion, nullableString, pick, type ReadApi } from './request.js';
import { serverPath } from './servers.js';

/** None: Nova's base 2.1 list (action, request_id, start_time, message) is all that is read. */
export const INSTANCE_ACTIONS_MICROVERSION: string | undefined = undefined;

export interface InstanceAction {
  action: string;
  requestId: string;
  startTime: string;
  message: string | null;
}

const actionJson = z.object({
  action: z.string(),
  request_id: z.string(),
  start_time: z.string(),
  message: nullableString,
});

export const parseInstanceActions = (body: unknown): InstanceAction[] =>
  pick('instanceActions', z.array(actionJson))(body).map((a) => ({
    action: a.action,
    requestId: a.request_id,
    startTime: a.start_time,
    message: a.message,
  }));

export function listInstanceActions(id: string): ReadApi<InstanceAction[]> {
  return {
    kind: 'api',
    service: 'compute',
    method: 'GET',
    path: `${serverPath(id)}/os-instance-actions`,
    ...atMicroversion(INSTANCE_ACTIONS_MICROVERSION),
    parse: parseInstanceActions,
    summary: `list actions of server ${id}`,
    mutating: false,
    target: { instance: id },
    command: posixCommand(['openstack', 'server', 'event', 'list', id]),
  };
}
