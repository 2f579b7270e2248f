import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumExecutablePath, PEER_PERMISSIONS } from '@swarmlab/test-kit/browser';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh, watchPageErrors } from './fixtures';

/**
 * A browser with site data blocked (Chromium's "Sites can't save data", common on managed school machines):
 * reading `localStorage` or `sessionStorage` throws `SecurityError` and IndexedDB refuses to open. Set as the
 * user would, in the profile's preferences.
 */
async function blockedStorageBrowser(
  baseURL: string,
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'swarmlab-blocked-'));
  mkdirSync(join(profile, 'Default'));
  const preferences = { profile: { default_content_setting_values: { cookies: 2 } } };
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify(preferences));
  const executablePath = chromiumExecutablePath();
  const context = await chromium.launchPersistentContext(profile, {
    ...(executablePath ? { executablePath } : {}),
    args: [...CHROMIUM_ARGS],
    headless: true,
    baseURL,
    permissions: [...PEER_PERMISSIONS],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** How the page's storages answer it, as a string (a named function would not survive tsx's transform). */
const STORAGE_REFUSALS = `(async () => {
  const nameOf = (read) => { try { read(); return 'readable'; } catch (error) { return error.name; } };
  const idb = await new Promise((resolve) => {
    const request = indexedDB.open('swarmlab-probe');
    request.onsuccess = () => { request.result.close(); resolve('opened'); };
    request.onerror = () => resolve('refused');
  });
  return [nameOf(() => localStorage), nameOf(() => sessionStorage), idb];
})()`;

test('a browser that blocks site data starts, and a leecher there says what to allow', async ({
  swarm,
  baseURL,
  pageErrors,
  pageWarnings,
}) => {
  // The blocked page's console says what it could not do with the storage it is refused, and goes on: read back a
  // file kept from before (it joins), clean stale chunks, delete its chunks as it leaves. The test's doing.
  pageWarnings.allow(
    /^swarmlab: (the file this tab kept could not be read back|could not (clean|delete) stored chunks)\b/,
  );
  const blocked = await blockedStorageBrowser(baseURL!);
  try {
    const { page: seeder, link } = await swarm.seedGenerated(3);
    const leecher: Page = await blocked.context.newPage();
    watchPageErrors(leecher, pageErrors, pageWarnings.seen);
    await leecher.goto('/');
    // The page starts (it did not: reading `localStorage` threw before it mounted) and offers to start a swarm.
    await expect(leecher.getByTestId('file-input')).toBeAttached();
    expect(await leecher.evaluate(STORAGE_REFUSALS)).toEqual(['SecurityError', 'SecurityError', 'refused']);
    await leecher.goto(link);
    const other = await swarm.openPeer(link);
    await waitForMesh([seeder, leecher, other]);
    // Its store opens as the run starts: there it stops, saying what to allow, and leaves.
    await startRun(seeder);
    await expect(leecher.getByText(/lets the page store no data .*Allow this site to save data/)).toBeVisible();
    await expect(leecher.getByRole('button', { name: 'Back to the start page' })).toBeVisible();
    // The swarm goes on without it: the leecher of an ordinary browser ends with the file.
    await waitForComplete(other);
    expect(await waitForFileHash(other)).toBe(await waitForFileHash(seeder));
  } finally {
    await blocked.close();
  }
});
