import { describe, expect, it } from 'vitest';
import { pageTitle } from '../src/lib/page-title';

describe('pageTitle', () => {
  it('names the start page, a link not understood and the overview', () => {
    expect(pageTitle({ view: 'start' })).toBe('Start a swarm — swarmlab');
    expect(pageTitle({ view: 'bad-link' })).toBe('This link cannot be opened — swarmlab');
    expect(pageTitle({ view: 'watch', fileName: undefined, failed: false, ended: false })).toBe(
      'Swarm overview — swarmlab',
    );
    expect(pageTitle({ view: 'watch', fileName: 'lecture.mp4', failed: false, ended: false })).toBe(
      'Overview: lecture.mp4 — swarmlab',
    );
    // Its swarm ended: a background tab said "Overview" as if it still watched.
    expect(pageTitle({ view: 'watch', fileName: 'lecture.mp4', failed: true, ended: true })).toBe(
      'Overview ended: lecture.mp4 — swarmlab',
    );
    expect(pageTitle({ view: 'watch', fileName: undefined, failed: true, ended: true })).toBe(
      'Overview ended — swarmlab',
    );
    // Refused, or a link to another file's swarm: failed, not ended.
    expect(pageTitle({ view: 'watch', fileName: undefined, failed: true, ended: false })).toBe(
      'Overview failed — swarmlab',
    );
  });

  it('tells a swarm’s tabs apart by their part: seeding, downloading, downloaded, failed', () => {
    const page = { view: 'swarm', role: 'leecher', fileName: 'lecture.mp4', complete: false, failed: false } as const;
    expect(pageTitle({ ...page, role: 'seeder', complete: true })).toBe('Seeding: lecture.mp4 — swarmlab');
    expect(pageTitle(page)).toBe('Downloading: lecture.mp4 — swarmlab');
    expect(pageTitle({ ...page, complete: true })).toBe('Downloaded: lecture.mp4 — swarmlab');
    expect(pageTitle({ ...page, failed: true })).toBe('Failed: lecture.mp4 — swarmlab');
    // Before the file is described (joining): the part alone.
    expect(pageTitle({ ...page, role: undefined, fileName: undefined })).toBe('Downloading — swarmlab');
  });
});
