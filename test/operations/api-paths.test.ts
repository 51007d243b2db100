// No request path is built in two places: every OpenStack API path starts in its resource's module
// (src/operations/openstack/), where its shape and microversion live too; Keystone's token request
// in the effect that authenticates (src/effects/openstack/keystone.ts). The product source (src/ without the lab's simulator,
// which is the server side, and runbooks/) is read as TypeScript, and every string or template
// piece that starts with "/" is matched by its first segment against the module that owns it.
// Messages that name a path ("GET /os-hypervisors/detail: ...") and comments are not paths.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

const ops = 'src/operations/openstack';
/** First path segment -> the one file that may build it. */
const OWNERS: Record<string, string> = {
  servers: `${ops}/servers.ts`,
  action: `${ops}/servers.ts`,
  'os-instance-actions': `${ops}/instance-actions.ts`,
  'os-volume_attachments': `${ops}/attachments.ts`,
  attachments: `${ops}/attachments.ts`,
  volumes: `${ops}/volumes.ts`,
  'os-services': `${ops}/os-services.ts`,
  'os-hypervisors': `${ops}/hypervisors.ts`,
  resource_providers: `${ops}/placement-providers.ts`,
  allocations: `${ops}/allocations.ts`,
  'os-migrations': `${ops}/migrations.ts`,
  auth: 'src/effects/openstack/keystone.ts',
  // The auth URL of a cloud is brought to Keystone v3 once, where the configuration is read.
  v3: 'src/config/cloud-auth.ts',
};
/** Segments no product code builds today (Cinder's attachment records): a first use lands in its module. */
const NOT_BUILT_YET = new Set(['attachments']);

interface PathLiteral {
  file: string;
  line: number;
  segment: string;
  text: string;
}

function sourceFiles(dir: string, skip: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(REPO, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (skip.includes(rel)) continue;
    if (entry.isDirectory()) out.push(...sourceFiles(rel, skip));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Every string literal and template piece of `file` that starts with "/" and a known segment. */
function pathLiterals(file: string, source: string): PathLiteral[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: PathLiteral[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const segment = /^\/([\w.-]+)/.exec(node.text)?.[1];
      if (segment && segment in OWNERS) {
        found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, segment, text: node.text });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function productPathLiterals(): PathLiteral[] {
  const files = [...sourceFiles('src', ['src/lab']), ...sourceFiles('runbooks', [])];
  return files.flatMap((f) => pathLiterals(f, readFileSync(join(REPO, f), 'utf8')));
}

describe('API request paths', () => {
  const literals = productPathLiterals();

  it('each is built only in the module of its resource', () => {
    const strays = literals.filter((p) => OWNERS[p.segment] !== p.file).map((p) => `${p.file}:${p.line} builds "${p.text}…", which belongs in ${OWNERS[p.segment]}`);
    expect(strays, 'build the request with the builder of its resource module instead').toEqual([]);
  });

  it('every owner builds its paths (the scan sees them)', () => {
    const seen = new Set(literals.map((p) => p.segment));
    const missing = Object.keys(OWNERS).filter((s) => !NOT_BUILT_YET.has(s) && !seen.has(s));
    expect(missing).toEqual([]);
  });

  it('finds a path however it is written, and leaves messages and comments alone', () => {
    const found = pathLiterals(
      'runbooks/x.ts',
      [
        "const a = '/servers/detail';",
        'const b = `/os-services/${id}`;',
        'const c = `${base}/allocations`;',
        'const d = `GET /os-hypervisors/detail: ${why}`;',
        '// GET /volumes/detail',
        "const e = 'servers';",
      ].join('\n'),
    );
    expect(found.map((p) => `${p.line}:${p.segment}`)).toEqual(['1:servers', '2:os-services', '3:allocations']);
  });
});
