import { describe, expect, it } from 'vitest';
import { HeadlessPeerError } from '../src/headless-peer-error';
import { parseSwarmTarget } from '../src/swarm-target';

const SWARM_ID = 'A'.repeat(22);
const CONTENT_ID = 'c'.repeat(64);
const LINK = `http://192.168.1.10:8080/#/swarm/${SWARM_ID}/${CONTENT_ID}`;

describe('a share link given to the headless peer', () => {
  it('names the server and the swarm', () => {
    expect(parseSwarmTarget(LINK)).toEqual({
      kind: 'link',
      link: { serverUrl: 'http://192.168.1.10:8080', swarmId: SWARM_ID, contentId: CONTENT_ID },
    });
  });

  it('is read with a space or a line end around it, as pasted from a chat (the scheme check refused it)', () => {
    expect(parseSwarmTarget(` ${LINK}\n`)).toEqual(parseSwarmTarget(LINK));
  });

  it('typed without its scheme, is refused with the link it meant (it said "not localhost://", or only "not a link")', () => {
    for (const host of ['localhost:8080', '192.168.1.10:8080']) {
      const typed = `${host}/#/swarm/${SWARM_ID}/${CONTENT_ID}`;
      expect(() => parseSwarmTarget(typed)).toThrow(
        new HeadlessPeerError(`"${typed}" is not a link: write it with its scheme, like http://${typed}`, 2),
      );
    }
  });

  it('is taken with a prepared run’s settings in it, as a tab takes it (the seeder tab’s address keeps them)', () => {
    const prepared = `http://192.168.1.10:8080/?mode=client-server&server-up=2MB/s&file-mib=16#/swarm/${SWARM_ID}/${CONTENT_ID}`;
    expect(parseSwarmTarget(prepared)).toMatchObject({
      kind: 'link',
      link: { swarmId: SWARM_ID, contentId: CONTENT_ID },
    });
    // Or after the path, where a tab also reads a link's settings.
    expect(parseSwarmTarget(`${LINK}?mode=p2p`)).toMatchObject({ link: { swarmId: SWARM_ID, contentId: CONTENT_ID } });
  });

  it('is refused, with the settings named, when it gives a peer its own links: never joined without them', () => {
    const withSettings = [
      // Before the `#`, as the README and the swarm page say: the peer joined uncapped and not selfish, without a word.
      `http://192.168.1.10:8080/?up=500kB/s&leave=1#/swarm/${SWARM_ID}/${CONTENT_ID}`,
      // After the path, where the web app also reads them: the link was called damaged.
      `${LINK}?up=500kB/s&leave=1`,
    ];
    for (const link of withSettings) {
      const refusal = (() => {
        try {
          parseSwarmTarget(link);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(refusal, link).toBeInstanceOf(HeadlessPeerError);
      expect((refusal as HeadlessPeerError).message).toMatch(
        /^this link gives a peer its own settings \(up=500kB\/s&leave=1\), which the headless peer does not apply/,
      );
      expect((refusal as HeadlessPeerError).exitCode).toBe(2);
    }
  });
});
