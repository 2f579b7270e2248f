/**
 * Runs `task` every `intervalMs`, one run at a time (a run still going when the next is due skips it: with
 * Redis slow or down, runs would otherwise pile up), until `stopped()`; a failed run goes to `onError`. The
 * timer does not keep the process alive; the caller clears it.
 */
export function everyInTurn(
  intervalMs: number,
  task: () => Promise<unknown>,
  options: { readonly stopped: () => boolean; readonly onError: (error: unknown) => void },
): ReturnType<typeof setInterval> {
  let running = false;
  const timer = setInterval(() => {
    if (running || options.stopped()) return;
    running = true;
    task()
      .catch(options.onError)
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return timer;
}
