// `novaops` on a terminal: the interactive session. Loaded only then, so that `novaops list` never
// pays for react and ink; the session itself defers the database driver, the runbooks' code and
// doctor until after its first frame.
import type { Screen } from '../../ui/session/use-navigation.js';
import { prepareForInk } from '../terminal.js';
import type { ReplaySpeed } from '../../ui/session/replay-speed.js';

export async function sessionCommand(configPath: string | undefined, open?: { replay: { runId: string; speed: ReplaySpeed } }): Promise<void> {
  // Marks for the start-up bench (NOVAOPS_STARTUP_TIMING, bin/bundle-loader.mjs): where the time to
  // the first frame goes. A mark is a timestamp in memory, nothing more.
  performance.mark('novaops:session');
  prepareForInk();
  // The config and the run directories are read while ink loads: both are on the first frame's path.
  // react and ink are imported only now, after prepareForInk: they read the environment on loading.
  const [{ createElement }, { render }, { SessionApp }, { enterAlternateScreen, clearScreen }, services] = await Promise.all([
    import('react'),
    import('ink'),
    import('../../ui/session/session-app.js'),
    import('../../ui/common/alternate-screen.js'),
    import('../session-services.js').then(({ createSessionServices }) => createSessionServices(configPath)),
  ]);
  performance.mark('novaops:ui-loaded');
  const initial: Screen[] = open ? [{ name: 'replay', runId: open.replay.runId, speed: open.replay.speed }] : [];
  // The session draws on the alternate screen: on the way out the shell's screen comes back as it was.
  const screen = enterAlternateScreen(process.stdout, { beforeLeave: () => app.unmount() });
  // Ctrl-C belongs to the screens: on a run it asks before stopping, elsewhere it quits.
  const onHardQuit = () => {
    app.unmount();
    screen.leave();
    process.stderr.write('\nnovaops: stopping now; `novaops resume` will check what was in flight\n');
    process.exit(130);
  };
  const onClearScreen = () => clearScreen(process.stdout);
  const app = render(createElement(SessionApp, { services, initial, onHardQuit, onClearScreen }), { exitOnCtrlC: false });
  performance.mark('novaops:rendered');
  try {
    await app.waitUntilExit();
  } finally {
    screen.leave();
  }
}
