// Daemon entry: `node dist/src/lab/simulator-main.js --lab-dir <dir>`. Reads lab.json for the
// port and flavour, nova.conf for the DB connection, clouds.yaml for the admin password.
import { readLabInfo } from './lab-info-file.js';
import { startSimulator } from './simulator/server.js';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--lab-dir');
  const dir = i >= 0 ? process.argv[i + 1] : undefined;
  if (!dir) {
    console.error('usage: simulator-main --lab-dir <dir>');
    process.exit(2);
  }
  const info = await readLabInfo({ labDir: dir });
  const port = Number(new URL(info.api.url).port);
  const sim = await startSimulator({ info, port });
  console.log(`[simulator] listening on ${sim.url} (lab ${dir}, flavour ${info.flavour})`);
  const stop = async () => {
    await sim.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(`[simulator] ${(e as Error).stack ?? e}`);
  process.exit(1);
});
