import { useEffect, useState } from 'react';
import type { EngineEvent } from '../../engine/events.js';
import type { UiRun } from '../run/ui-run.js';
import { replayDelays, type ReplaySpeed } from './replay-speed.js';

export type RunEndEvent = Extract<EngineEvent, { type: 'run.end' }>;

/**
 * Feeds recorded events into the run screen's store with their recorded spacing divided by the
 * speed; the run screen cannot tell a replay from a live run. Resolves to the run.end once fed.
 */
export function useReplay(run: UiRun, events: readonly EngineEvent[] | undefined, speed: ReplaySpeed): { fed: number; end: RunEndEvent | undefined } {
  const [fed, setFed] = useState(0);
  const [end, setEnd] = useState<RunEndEvent | undefined>();
  useEffect(() => {
    if (!events) return;
    const delays = replayDelays(events, speed);
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const feedOne = (event: EngineEvent) => {
      run.feed(event);
      if (event.type === 'run.end') setEnd(event);
    };
    if (speed === 'instant') {
      for (const event of events) feedOne(event);
      run.flush();
      setFed(events.length);
      return;
    }
    const next = () => {
      while (i < events.length) {
        feedOne(events[i]);
        i += 1;
        setFed(i);
        if (i < events.length && delays[i] >= 1) {
          timer = setTimeout(next, delays[i]);
          return;
        }
      }
      run.flush();
    };
    timer = setTimeout(next, 0);
    return () => {
      if (timer) clearTimeout(timer);
    };
  }, [run, events, speed]);
  return { fed, end };
}
