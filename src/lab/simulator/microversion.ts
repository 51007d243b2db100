// Microversions as Nova (nova/api/openstack/wsgi.py, api_version_request.py) and Placement
// (placement/microversion.py) read them: `OpenStack-API-Version: compute 2.53` (Nova also takes
// `X-OpenStack-Nova-API-Version: 2.53`), none = the minimum, `latest` = the maximum; a version out
// of range is 406, an unparsable one 400. Zed: compute 2.1-2.93, placement 1.0-1.39; 2025.1
// Epoxy: compute 2.1-2.100 (nova's rest_api_version_history.rst: "2.100 (Maximum in 2025.1 Epoxy
// and 2025.2 Flamingo)"), Placement left at 1.39 (no version added since Zed is modelled).
import type { IncomingMessage } from 'node:http';
import type { LabRelease } from '../types.js';
import { ApiError } from './http-util.js';

export interface Version {
  major: number;
  minor: number;
}

export const COMPUTE_MIN: Version = { major: 2, minor: 1 };
/** The highest compute microversion of each release the lab answers as. */
export const COMPUTE_MAX: Record<LabRelease, Version> = { zed: { major: 2, minor: 93 }, epoxy: { major: 2, minor: 100 } };
export const PLACEMENT_MIN: Version = { major: 1, minor: 0 };
export const PLACEMENT_MAX: Version = { major: 1, minor: 39 };

export function atLeast(v: Version, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export function versionString(v: Version): string {
  return `${v.major}.${v.minor}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The value for `service` in an OpenStack-API-Version header ("compute 2.53, volume 3.64"). */
function fromApiVersionHeader(value: string | undefined, service: string): string | undefined {
  if (!value) return undefined;
  for (const part of value.split(',')) {
    const [svc, ver] = part.trim().split(/\s+/);
    if (svc?.toLowerCase() === service && ver) return ver;
  }
  return undefined;
}

function parse(text: string): Version | undefined {
  const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

function within(v: Version, min: Version, max: Version): boolean {
  return atLeast(v, min.major, min.minor) && atLeast(max, v.major, v.minor);
}

export function computeVersion(req: IncomingMessage, release: LabRelease): Version {
  const max = COMPUTE_MAX[release];
  const text = fromApiVersionHeader(header(req, 'openstack-api-version'), 'compute') ?? header(req, 'x-openstack-nova-api-version')?.trim();
  if (text === undefined) return COMPUTE_MIN;
  if (text === 'latest') return max;
  const v = parse(text);
  if (!v) {
    throw new ApiError(400, {
      badRequest: { code: 400, message: `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.` },
    });
  }
  if (!within(v, COMPUTE_MIN, max)) {
    throw new ApiError(406, {
      computeFault: {
        code: 406,
        message: `Version ${versionString(v)} is not supported by the API. Minimum is ${versionString(COMPUTE_MIN)} and maximum is ${versionString(max)}.`,
      },
    });
  }
  return v;
}

export function computeVersionHeaders(v: Version): Record<string, string> {
  return {
    'OpenStack-API-Version': `compute ${versionString(v)}`,
    'X-OpenStack-Nova-API-Version': versionString(v),
    Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  };
}

/** Placement: errors here carry no error code (the version that would say whether to add one is unknown). */
export function placementVersion(req: IncomingMessage, requestId: string): Version {
  const text = fromApiVersionHeader(header(req, 'openstack-api-version'), 'placement');
  if (text === undefined) return PLACEMENT_MIN;
  if (text === 'latest') return PLACEMENT_MAX;
  const v = parse(text);
  if (!v) {
    const detail = /^(\d+)\.(.*)$/.exec(text);
    const reason = detail ? `invalid literal for int() with base 10: '${detail[2]}'` : 'not enough values to unpack (expected 2, got 1)';
    throw new ApiError(400, {
      errors: [
        {
          status: 400,
          title: 'Bad Request',
          detail: `The server could not comply with the request since it is either malformed or otherwise incorrect.\n\n Invalid microversion: invalid version string: ${text}; ${reason}  `,
          request_id: requestId,
        },
      ],
    });
  }
  if (!within(v, PLACEMENT_MIN, PLACEMENT_MAX)) {
    throw new ApiError(406, {
      errors: [
        {
          status: 406,
          title: 'Not Acceptable',
          detail: `The resource could not be generated that was acceptable to your browser (content of type application/json. \n\n Invalid microversion: Unacceptable version header: ${versionString(v)}`,
          request_id: requestId,
          max_version: versionString(PLACEMENT_MAX),
          min_version: versionString(PLACEMENT_MIN),
        },
      ],
    });
  }
  return v;
}

export function placementVersionHeaders(v: Version): Record<string, string> {
  return { 'openstack-api-version': `placement ${versionString(v)}`, vary: 'openstack-api-version' };
}
