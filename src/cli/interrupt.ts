// Ctrl-C during a run: the first asks the engine to stop starting new work and to finish what is
// in flight (so every acknowledged reboot is recorded); the second quits at once, which a
// resume also survives.
export async function withInterrupt<T>(fn: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nnovaops: stopping now; `novaops resume` will check what was in flight\n');
      process.exit(130);
    }
    process.stderr.write('\nnovaops: stopping after the operations in flight (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
