// novaops(1) as man(1) shows it: built by `npm run build` (dist/novaops.1), rendered without a
// warning, listing the runbooks, their options and the exit codes; `novaops help <runbook>` says
// what the page's section for that runbook says.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { catalogue } from '../../runbooks/index.js';
import { REPO, runCli } from '../support/cli.js';

const PAGE = path.join(REPO, 'dist', 'novaops.1');
const env = { ...process.env, MANWIDTH: '80', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' };

function man(): { stdout: string; stderr: string } {
  const r = spawnSync('man', ['--warnings', '-l', PAGE], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Words only: line breaks, indentation and the typographic glyphs of the terminal device aside. */
function words(text: string): string {
  return text.replace(/[\u2010\u2212]/g, '-').replace(/\u2019/g, "'").replace(/\s+/g, ' ').trim();
}

/** The lines of a RUNBOOKS subsection: from its "   <id>" heading to the next heading. */
function section(rendered: string, id: string): string {
  const lines = rendered.split('\n');
  const start = lines.indexOf(`   ${id}`);
  expect(start, `no subsection ${id} in the page`).toBeGreaterThan(0);
  const end = lines.findIndex((l, i) => i > start && /^( {3})?\S/.test(l));
  return lines.slice(start, end).join('\n');
}

describe('novaops(1)', () => {
  test('dist/novaops.1 is built (npm run build)', () => {
    expect(existsSync(PAGE), `${PAGE} is missing: npm run build writes it`).toBe(true);
  });

  test('groff and man render it without a warning', () => {
    const groff = spawnSync('groff', ['-man', '-ww', '-z', PAGE], { env, encoding: 'utf8' });
    expect(groff.stderr).toBe('');
    expect(groff.status).toBe(0);
    expect(man().stderr).toBe('');
  });

  test('every runbook with its options, every command, and the exit codes', () => {
    const page = man().stdout;
    const flat = words(page);
    for (const entry of catalogue) {
      const text = words(section(page, entry.id));
      expect(text).toContain(entry.title);
      for (const option of entry.options) expect(text, `${entry.id} ${option.flags}`).toContain(option.flags);
      expect(text).toContain('--dry-run');
    }
    expect(flat).toContain('--method <method>');
    expect(flat).toContain('(one of: evacuate, db)');
    for (const command of ['novaops resume', 'novaops abandon', 'novaops transcripts replay', 'novaops doctor', 'novaops completion', 'novaops lab up']) {
      expect(flat).toContain(command);
    }
    const exit = words(page.slice(page.indexOf('EXIT STATUS'), page.indexOf('ENVIRONMENT')));
    for (const [code, meaning] of [['0', 'done'], ['1', 'failed'], ['2', 'bad input'], ['3', 'refused'], ['4', 'answered no'], ['5', 'held back']]) {
      expect(exit).toMatch(new RegExp(`\\b${code} [^0-9]*${meaning}`));
    }
    expect(readFileSync(PAGE, 'utf8')).toMatch(/^\.TH NOVAOPS 1 /);
  });

  test('novaops help <runbook> says what the page says for it', async () => {
    const page = man().stdout;
    for (const entry of catalogue) {
      const help = await runCli(['help', entry.id], {});
      expect(help.code, help.stderr).toBe(0);
      expect(words(help.stdout)).toBe(words(section(page, entry.id)));
    }
  });
});
