// GET /compute/v2.1/: Nova's version document (api-ref versions.inc, doc/api_samples/versions/
// v21-version-get-resp.json). Its "version" is the highest microversion the release offers — what
// novaops reads to choose the microversions it asks for.
import type { Ctx, Reply } from './context.js';
import { COMPUTE_MAX, COMPUTE_MIN, versionString } from './microversion.js';

export function computeVersionDocument(ctx: Ctx): Reply {
  return {
    status: 200,
    body: {
      version: {
        id: 'v2.1',
        links: [
          { href: `${ctx.sim.baseUrl}/compute/v2.1/`, rel: 'self' },
          { href: 'http://docs.openstack.org/', rel: 'describedby', type: 'text/html' },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        status: 'CURRENT',
        version: versionString(COMPUTE_MAX[ctx.sim.settings.release]),
        min_version: versionString(COMPUTE_MIN),
        updated: '2013-07-23T11:33:21Z',
      },
    },
  };
}
