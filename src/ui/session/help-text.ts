// The keys of each screen for the `?` overlay, apart from the screens so that the help of a
// screen not loaded yet costs nothing.

export const HOME_HELP = [
  ['↑ ↓', 'choose a runbook'],
  ['enter', 'open it: its steps, guards, parameters; dry-run, test or full run'],
  ['r', 'resume the interrupted run marked ▶ (done work is never redone)'],
  ['t', 'transcripts: list, open, replay, export as Markdown'],
  [':', 'command line: :drp (any runbook id) opens it, :resume [<run-id>], :transcripts, :q; tab completes'],
  ['/', 'filter the runbooks and the last runs (enter keeps it, esc clears)'],
  ['?', 'this help'],
  ['q', 'quit (Ctrl-C too)'],
] as const;

export const RUNBOOK_HELP = [
  ['↑ ↓ / PgUp PgDn', 'scroll the steps'],
  ['enter', 'go to the parameters and the run choice'],
  ['tab / shift-tab', 'next / previous field (↑ ↓ too, outside the instance list)'],
  ['space', 'switch a --flag on or off; cycle the mode (← → too)'],
  ['type', 'fill a field (checked as you type) or filter the instance list (/ first is fine)'],
  ['drp test', 'the instance list puts SHUTOFF instances first, most volumes first'],
  ['enter (form)', 'start; a full run still asks to confirm each destructive step'],
  ['esc', 'back (form → steps → home)'],
] as const;

export const TRANSCRIPTS_HELP = [
  ['↑ ↓', 'choose a run'],
  ['enter', 'open its transcript'],
  ['b', 'filter by runbook (cycles through them, then all)'],
  ['o', 'filter by outcome (completed, planned, failed, …, then all)'],
  ['/', 'filter by text: part of a run id, runbook, status or scope (esc clears)'],
  ['1 / x / i', 'in a transcript: replay at 1x, 10x, or instantly'],
  ['e', 'in a transcript: export it as Markdown'],
  ['esc', 'back'],
] as const;

export const RUN_HELP = [
  ['l', 'the command log: every openstack / SQL / iscsiadm command as it runs, its status and time'],
  ['↑ ↓ PgUp PgDn g G', 'in the command log: scroll (at the end it follows new commands)'],
  ['l / esc', 'in the command log: back to the steps'],
  ['Ctrl-C', 'asks, then stops after the operations in flight (a second one quits at once)'],
  ['q / enter / esc', 'once the run ended: back to the home screen'],
] as const;

export const REPLAY_HELP = [
  ['l', 'the command log of the recorded run (↑ ↓ PgUp PgDn g G scroll, l / esc back)'],
  ['esc / q', 'back to the transcript'],
] as const;
