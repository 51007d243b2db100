// Plain lines on stdout, for terminals without the TUI and for logs. In a dry-run every line
// carries the marker, so no screen or log excerpt can be mistaken for a live run.
import type { EngineEvent, EventBus } from '../../engine/events.js';
import type { Redactor } from '../../engine/redact.js';
import { formatEvent } from './format-event.js';

const PLANNED_SHOWN_LIVE = 20;

export function attachPlainPresenter(bus: EventBus, redactor: Redactor, write: (text: string) => void): void {
  let dryRun = false;
  let plannedInStep = 0;
  bus.subscribe((event: EngineEvent) => {
    if (event.type === 'run.start') dryRun = event.mode === 'dry-run';
    if (event.type === 'step.start') plannedInStep = 0;
    if (event.type === 'op.planned' && !dryRun) {
      plannedInStep += 1;
      if (plannedInStep > PLANNED_SHOWN_LIVE) {
        if (plannedInStep === PLANNED_SHOWN_LIVE + 1) write('  plan: ... (every planned operation is in the transcript)\n');
        return;
      }
    }
    const lines = formatEvent(event);
    if (lines.length === 0) return;
    const prefix = dryRun ? '[DRY-RUN] ' : '';
    write(redactor.redact(lines.map((l) => `${prefix}${l}`).join('\n')) + '\n');
  });
}
