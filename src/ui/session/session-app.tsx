import { lazy, Suspense, useState, type ReactElement } from 'react';
import { Box, Static, useApp } from 'ink';
import { HelpOverlay, type HelpLine } from '../common/help-overlay.js';
import { HomeScreen } from '../home/home-screen.js';
import { useHealth } from '../home/use-health.js';
import { HOME_HELP, REPLAY_HELP, RUN_HELP, RUNBOOK_HELP, TRANSCRIPTS_HELP } from './help-text.js';
import type { SessionServices } from './services.js';
import { useNavigation, type Screen } from './use-navigation.js';

// Only the home is on the first frame's path; the other screens load when first opened.
const RunbookPage = lazy(async () => ({ default: (await import('../runbook/runbook-page.js')).RunbookPage }));
const TranscriptList = lazy(async () => ({ default: (await import('../transcripts/transcript-list.js')).TranscriptList }));
const TranscriptView = lazy(async () => ({ default: (await import('../transcripts/transcript-view.js')).TranscriptView }));
const ReplayScreen = lazy(async () => ({ default: (await import('./replay-screen.js')).ReplayScreen }));
const RunHost = lazy(async () => ({ default: (await import('./run-host.js')).RunHost }));

const HELP: Record<Screen['name'], { title: string; lines: readonly HelpLine[] }> = {
  home: { title: 'home', lines: HOME_HELP },
  runbook: { title: 'a runbook', lines: RUNBOOK_HELP },
  run: { title: 'a run', lines: RUN_HELP },
  transcripts: { title: 'transcripts', lines: TRANSCRIPTS_HELP },
  transcript: { title: 'a transcript', lines: TRANSCRIPTS_HELP },
  replay: { title: 'a replay', lines: REPLAY_HELP },
};

/** The session: home, runbooks, runs, transcripts; `?` shows the keys of the current screen. */
export function SessionApp({
  services,
  initial = [],
  onQuit,
  onHardQuit,
  onClearScreen,
}: {
  services: SessionServices;
  initial?: readonly Screen[];
  onQuit?: () => void;
  onHardQuit?: () => void;
  /** Clears the terminal (the alternate screen): a closed run screen's log must not stay above the next screen. */
  onClearScreen?: () => void;
}) {
  const app = useApp();
  const nav = useNavigation(initial, onClearScreen);
  const health = useHealth(services);
  const [help, setHelp] = useState(false);
  const active = !help;
  const showHelp = () => setHelp(true);
  const quit = () => (onQuit ? onQuit() : app.exit());
  const { screen } = nav;
  // A screen opened directly (`transcripts replay <id>`) has nowhere to go back to: leaving quits.
  const back = nav.depth > 1 ? nav.back : quit;
  let body: ReactElement;
  switch (screen.name) {
    case 'home':
      body = (
        <HomeScreen
          services={services}
          health={health}
          active={active}
          actions={{
            openRunbook: (id) => nav.push({ name: 'runbook', id }),
            resume: (runId) => nav.push({ name: 'run', order: { kind: 'resume', runId } }),
            transcripts: () => nav.push({ name: 'transcripts' }),
            help: showHelp,
            quit,
          }}
        />
      );
      break;
    case 'runbook':
      body = (
        <RunbookPage
          services={services}
          id={screen.id}
          active={active}
          actions={{
            back,
            help: showHelp,
            start: (request, steps) => nav.push({ name: 'run', order: { kind: 'start', request, steps } }),
          }}
        />
      );
      break;
    case 'run':
      body = <RunHost services={services} order={screen.order} active={active} onExit={nav.depth > 1 ? nav.home : quit} onHardQuit={onHardQuit} onHelp={showHelp} />;
      break;
    case 'transcripts':
      body = <TranscriptList services={services} active={active} onOpen={(runId) => nav.push({ name: 'transcript', runId })} onBack={back} onHelp={showHelp} />;
      break;
    case 'transcript':
      body = <TranscriptView services={services} runId={screen.runId} active={active} onReplay={(speed) => nav.push({ name: 'replay', runId: screen.runId, speed })} onBack={back} onHelp={showHelp} />;
      break;
    case 'replay':
      body = <ReplayScreen services={services} runId={screen.runId} speed={screen.speed} active={active} onExit={back} onHelp={showHelp} />;
      break;
  }
  return (
    <Box flexDirection="column">
      {/*
        ink remembers the last <Static> it created and frees its layout node when it unmounts,
        yet goes on measuring it: after the run screen (whose log is a <Static>) a later frame
        reads freed memory and can try to draw a line billions of cells wide. A fresh empty
        <Static> on every screen change keeps that pointer valid; it sits before the screen, so
        a screen's own <Static>, created after it, is the one ink prints.
      */}
      <Static key={`${nav.depth}:${screen.name}`} items={[] as never[]}>
        {() => null}
      </Static>
      {help ? <HelpOverlay title={HELP[screen.name].title} lines={HELP[screen.name].lines} onClose={() => setHelp(false)} /> : null}
      <Box display={help ? 'none' : 'flex'} flexDirection="column">
        <Suspense fallback={null}>{body}</Suspense>
      </Box>
    </Box>
  );
}
