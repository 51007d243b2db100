// --json: the engine's events, one JSON object a line, exactly as the transcript records them.
import type { EventBus } from '../../engine/events.js';
import type { Redactor } from '../../engine/redact.js';

export function attachJsonPresenter(bus: EventBus, redactor: Redactor, write: (text: string) => void): void {
  bus.subscribe((event) => write(redactor.eventLine(event) + '\n'));
}
