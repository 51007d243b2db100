// Request counts group calls by shape, so "GET compute /servers/{id}" is one line however many
// servers a run touched.
const idSegment = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|\d+|req-[0-9a-f-]{36})$/i;

export function pathShape(path: string): string {
  const bare = path.split('?')[0];
  return bare
    .split('/')
    .map((seg) => (idSegment.test(seg) ? '{id}' : seg))
    .join('/');
}
