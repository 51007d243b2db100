// The home screen's command line, as k9s users expect it: `:drp` opens that runbook, `:resume <id>`
// resumes, `:transcripts` lists the recorded runs, `:q` quits. Parsing and Tab completion are
// plain functions; the screen only draws and dispatches.

export type HomeCommand =
  | { kind: 'none' }
  | { kind: 'runbook'; id: string }
  | { kind: 'resume'; runId?: string }
  | { kind: 'transcripts' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'unknown'; message: string };

const WORDS = { resume: ['resume'], transcripts: ['transcripts', 't'], help: ['help', '?'], quit: ['q', 'quit', 'q!', 'exit'] } as const;

/** What the command line accepts, for the message after a typo and for the help. */
export function acceptedCommands(runbookIds: readonly string[]): string {
  return [...runbookIds.map((id) => `:${id}`), ':resume [<run-id>]', ':transcripts', ':q'].join(' ');
}

export function parseCommand(text: string, runbookIds: readonly string[]): HomeCommand {
  const [word = '', ...rest] = text.trim().replace(/^:+/, '').split(/\s+/).filter(Boolean);
  if (word === '') return { kind: 'none' };
  const lower = word.toLowerCase();
  const extra = rest.length > 0;
  if (runbookIds.includes(lower) && !extra) return { kind: 'runbook', id: lower };
  if ((WORDS.resume as readonly string[]).includes(lower) && rest.length <= 1) return { kind: 'resume', runId: rest[0] };
  if ((WORDS.transcripts as readonly string[]).includes(lower) && !extra) return { kind: 'transcripts' };
  if ((WORDS.help as readonly string[]).includes(lower) && !extra) return { kind: 'help' };
  if ((WORDS.quit as readonly string[]).includes(lower) && !extra) return { kind: 'quit' };
  return { kind: 'unknown', message: `unknown command ":${text.trim().replace(/^:+/, '')}"; accepted: ${acceptedCommands(runbookIds)}` };
}

function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let prefix = words[0];
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** The candidates for what is typed: command words and runbook ids, or run ids after `resume `. */
export function candidates(text: string, runbookIds: readonly string[], runIds: readonly string[]): string[] {
  const resume = /^resume\s+(\S*)$/.exec(text.trimStart());
  if (resume) return runIds.filter((id) => id.startsWith(resume[1]));
  if (/\s/.test(text.trim())) return [];
  const typed = text.trim().toLowerCase();
  return [...runbookIds, 'resume', 'transcripts', 'quit'].filter((w) => w.startsWith(typed));
}

/** Tab: the longest completion all candidates share (a single candidate in full, `resume ` with its space). */
export function completeCommand(text: string, runbookIds: readonly string[], runIds: readonly string[]): string {
  const found = candidates(text, runbookIds, runIds);
  if (found.length === 0) return text;
  const resume = /^(\s*resume\s+)\S*$/.exec(text);
  const head = resume ? resume[1] : '';
  const completed = head + commonPrefix(found);
  if (found.length === 1 && !resume && found[0] === 'resume') return 'resume ';
  return completed.length >= text.length ? completed : text;
}
