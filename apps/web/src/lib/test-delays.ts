/**
 * The waits the test switches add (`?test-resume-check-delay-ms=N`, `?test-join-check-delay-ms=N`), each over when its
 * time is up or when the test releases it (`window.__swarm.releaseDelays()`), whichever comes first. A test used to
 * pick a delay its next steps had to fit in, and a loaded machine could take longer: now it holds the wait as long
 * as it needs (the switch's time is only the cap) and ends it where its scenario says.
 */
const held = new Set<() => void>();

/** Waits `delayMs`, or less if released. */
export function testDelay(delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const end = (): void => {
      clearTimeout(timer);
      held.delete(end);
      resolve();
    };
    const timer = setTimeout(end, delayMs);
    held.add(end);
  });
}

/** Ends every wait still going; how many there were (a test checks it released the one it meant). */
export function releaseTestDelays(): number {
  const ends = [...held];
  for (const end of ends) end();
  return ends.length;
}
