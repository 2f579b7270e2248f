import type { Browser, BrowserContext, Page } from '@playwright/test';
import { newPeerContext } from '@swarmlab/test-kit/browser';

/**
 * The bare WebRTC pages of `raw` and `mesh`: each keeps its peer connections by name on `window`, so the
 * steps they share (describing a connection, counting its packets) are written once. Types only here: the
 * map lives in the page.
 */
export type RtcPageWindow = typeof globalThis & { __rtcPeers?: Map<string, RTCPeerConnection> };

/** Packets WebRTC handed to its sockets, and those the sockets refused (`packetsDiscardedOnSend`). */
export interface PacketCounts {
  readonly sent: number;
  readonly discarded: number;
}

/**
 * A page of its own browser context (the media permission, the loopback ICE flags of `launchChromium`) at
 * `url`, answered by Playwright with `html` (`context.route`): nothing listens there. An http page on
 * 127.0.0.1 is what the app has, and where Chromium is known to gather loopback ICE candidates in the private
 * namespace. The context is added to `contexts`, for the caller to close.
 */
export async function openRoutedPage(
  browser: Browser,
  contexts: BrowserContext[],
  url: string,
  html: string,
): Promise<Page> {
  const context = await newPeerContext(browser, url);
  contexts.push(context);
  await context.route(url, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/**
 * Sets the remote description of the page's connection `name` (unless `remote` is undefined), makes the
 * local offer or answer and returns it once ICE gathering is complete, every candidate in it: one exchange
 * each way, no trickle.
 */
export function describeLocal(
  page: Page,
  name: string,
  remote: RTCSessionDescriptionInit | undefined,
): Promise<RTCSessionDescriptionInit> {
  return page.evaluate(
    async ({ name, remote }) => {
      const pc = (globalThis as RtcPageWindow).__rtcPeers?.get(name);
      if (!pc) throw new Error(`no peer connection "${name}"`);
      if (remote) await pc.setRemoteDescription(remote);
      await pc.setLocalDescription();
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        else pc.onicegatheringstatechange = () => (pc.iceGatheringState === 'complete' ? resolve() : undefined);
      });
      const local = pc.localDescription;
      if (!local) throw new Error('no local description');
      return { type: local.type, sdp: local.sdp };
    },
    { name, remote },
  );
}

/** The page's packets so far over all its connections (their nominated candidate pairs in `getStats`). */
export function packetCounts(page: Page): Promise<PacketCounts> {
  return page.evaluate(async () => {
    let sent = 0;
    let discarded = 0;
    for (const pc of (globalThis as RtcPageWindow).__rtcPeers?.values() ?? []) {
      (await pc.getStats()).forEach((report: { type: string; nominated?: boolean } & Record<string, unknown>) => {
        if (report.type !== 'candidate-pair' || !report.nominated) return;
        sent += Number(report['packetsSent'] ?? 0);
        discarded += Number(report['packetsDiscardedOnSend'] ?? 0);
      });
    }
    return { sent, discarded };
  });
}
