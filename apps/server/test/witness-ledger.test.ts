import { describe, expect, it } from 'vitest';
import { bytesThroughCap } from '../src/report-bounds';
import {
  CORROBORATION_SHORTFALL,
  createWitnessLedger,
  grantsTowards,
  MAX_GRANTS_PER_SENDER,
  MAX_RECEIVERS_PER_SENDER,
  type UnreportedGrant,
  type WitnessLedgerState,
} from '../src/witness-ledger';

const F = 1_000_000;
const RECEIVERS = new Set(['s', 'a', 'b', 'c']);
const sent = (entries: Record<string, number>) => Object.entries(entries).map(([peerId, bytes]) => ({ peerId, bytes }));

describe('the witness ledger of a run', () => {
  it('forgets no account of a sender still in the run for room, however much departed puppets’ accounts vouch', () => {
    // 4 departed senders kept: 16 accounts. Puppets fill them, each vouching for far more than an honest sender.
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    const receivers = new Set(['r0', 'r1', ...Array.from({ length: 4 }, (_, i) => `h${i}`)]);
    for (let p = 0; p < 16; p++) ledger.record(`puppet${p}`, sent({ r0: 1e9, r1: 1e9 }), p, receivers);
    const honest = ['h0', 'h1', 'h2', 'h3'];
    const present = (senderId: string) => honest.includes(senderId);
    for (let round = 0; round < 3; round++)
      for (const [index, senderId] of honest.entries())
        ledger.record(
          senderId,
          sent({ [honest[(index + 1) % 4]!]: 1000 * (round + 1) }),
          100 + round,
          receivers,
          present,
        );
    // Each honest account is still there, and vouches for what it said.
    for (const senderId of honest) expect(ledger.lastReportAtMs(senderId)).toBe(102);
    expect(ledger.witnessed('h1')).toBe(3000);
  });

  it('adds up what the others say they sent a peer, and corroborates it once that covers the file', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 600_000, b: 1_000_000 }), 100, RECEIVERS);
    ledger.record('b', sent({ a: 390_000 }), 120, RECEIVERS);
    expect(ledger.witnessed('a')).toBe(990_000);
    expect(ledger.corroborates('a', F, 1_000)).toBe(F * (1 - CORROBORATION_SHORTFALL) <= 990_000);
    expect(ledger.corroborates('b', F, 1_000)).toBe(true);
    expect(ledger.corroborates('c', F, 1_000)).toBe(false);
    // Its own account, and accounts of peers not in the run, count for nothing.
    ledger.record('c', sent({ c: F, nobody: F }), 130, RECEIVERS);
    expect([ledger.witnessed('c'), ledger.witnessed('nobody')]).toEqual([0, 0]);
    expect(ledger.lastReportAtMs('c')).toBe(130);
  });

  it('keeps each sender’s highest figure: a late, smaller report is an old one', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 800_000 }), 100, RECEIVERS);
    ledger.record('s', sent({ a: 500_000 }), 200, RECEIVERS);
    expect(ledger.witnessed('a')).toBe(800_000);
  });

  it('carries what a sender reported before its page reloaded: its new engine counts from zero again', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('b', sent({ a: 600_000, c: 100_000 }), 100, RECEIVERS);
    ledger.restarted('b');
    ledger.record('b', sent({ a: 300_000 }), 900, RECEIVERS);
    expect([ledger.witnessed('a'), ledger.witnessed('c')]).toEqual([900_000, 100_000]);
    expect(ledger.exportState().senders).toEqual([
      [
        'b',
        {
          sent: [['a', 300_000]],
          carried: [
            ['a', 600_000],
            ['c', 100_000],
          ],
          lastReportAtMs: 900,
        },
      ],
    ]);
    // Exported and imported (a shared store), it still adds up.
    expect(createWitnessLedger({ maxDepartedSenders: 4 }, ledger.exportState()).witnessed('a')).toBe(900_000);
  });

  it('keeps the account of a sender that came back, however many leave after it, and its grant', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 2 });
    ledger.record('b', sent({ a: 900_000 }), 100, RECEIVERS);
    ledger.left('b', 200, 100, 500_000); // about 50 kB granted for the 100 ms after its last report
    ledger.restarted('b'); // its page reloaded: back in the run
    for (const gone of ['x', 'y', 'z']) ledger.left(gone, 300, 300, 0);
    expect(ledger.witnessed('a')).toBe(900_000);
    const account = ledger.exportState().senders.find(([senderId]) => senderId === 'b')?.[1];
    expect(account?.granted).toEqual([{ sinceMs: 100, untilMs: 200, bytesPerSec: 500_000 }]);
    expect(ledger.exportState().departed.map(([senderId]) => senderId)).toEqual(['y', 'z']);
  });

  it('keeps a departed sender’s account past the bound, and forgets the grants of the address that left most first', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('b', sent({ a: 900_000 }), 100, RECEIVERS);
    ledger.left('b', 200, 100, 500_000, '10.0.0.2');
    // One socket joins and leaves, over and over: each departure made the oldest departed sender's account go whole.
    for (let cycle = 0; cycle < 10; cycle++) ledger.left(`puppet-${cycle}`, 300 + cycle, 300, 0, '10.0.0.66');
    expect(ledger.witnessed('a')).toBe(900_000);
    const departed = ledger.exportState().departed.map(([senderId]) => senderId);
    expect(departed).toHaveLength(4);
    expect(departed).toContain('b'); // its grant too: the puppets' went first
    // Exported and imported (a shared store), the addresses still pick the puppets' grants.
    const imported = createWitnessLedger({ maxDepartedSenders: 4 }, JSON.parse(JSON.stringify(ledger.exportState())));
    imported.left('puppet-10', 400, 400, 0, '10.0.0.66');
    expect(imported.exportState().departed.map(([senderId]) => senderId)).toContain('b');
  });

  it('takes a sender that left before its first report back as present: its grant is no departed sender’s any more', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 2 });
    ledger.left('s', 1_000, 0, 100_000, '10.0.0.2'); // its page was still opening its store
    ledger.returned('s');
    ledger.record('s', sent({ a: 500_000 }), 2_000, RECEIVERS);
    expect(ledger.exportState().departed).toEqual([]);
    for (const gone of ['x', 'y', 'z']) ledger.left(gone, 3_000, 3_000, 0, '10.0.0.66');
    expect(ledger.witnessed('a')).toBe(500_000);
    const [, account] = ledger.exportState().senders.find(([senderId]) => senderId === 's')!;
    expect(account.granted).toEqual([{ sinceMs: 0, untilMs: 1_000, bytesPerSec: 100_000 }]);
  });

  it('knows no report of a sender back before its first, in memory as through a record stored as JSON (Redis)', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 2 });
    ledger.left('s', 1_000, 0, 100_000, '10.0.0.2');
    ledger.returned('s');
    // Its silence counts from when it took part (the caller's `??`): -Infinity made it silent at once in memory,
    // where Redis, storing null, did not.
    expect(ledger.lastReportAtMs('s')).toBeUndefined();
    const stored = JSON.parse(JSON.stringify(ledger.exportState())) as WitnessLedgerState;
    expect(createWitnessLedger({ maxDepartedSenders: 2 }, stored).lastReportAtMs('s')).toBeUndefined();
    // A record stored before holds null there.
    const [[senderId, account]] = stored.senders as [[string, (typeof stored.senders)[number][1]]];
    const older: WitnessLedgerState = { ...stored, senders: [[senderId, { ...account, lastReportAtMs: null }]] };
    expect(createWitnessLedger({ maxDepartedSenders: 2 }, older).lastReportAtMs('s')).toBeUndefined();
  });

  it('keeps at most four accounts per departed sender kept, those vouching for fewest bytes going first', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 2 });
    const receivers = new Set(['a', ...Array.from({ length: 20 }, (_, i) => `s${i}`)]);
    for (let i = 0; i < 20; i++) ledger.record(`s${i}`, sent({ a: (i + 1) * 1_000 }), i, receivers);
    const kept = ledger.exportState().senders.map(([senderId]) => senderId);
    expect(kept).toHaveLength(8);
    expect(kept.sort()).toEqual(['s12', 's13', 's14', 's15', 's16', 's17', 's18', 's19'].sort());
  });

  it('reports alone cover a file for an accusation: a departed sender’s grant does not', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 500_000 }), 100, RECEIVERS);
    ledger.left('b', 200, 100, null); // uncapped: granted the whole file towards everyone
    expect(ledger.corroborates('a', F, 1_000)).toBe(true);
    expect(ledger.reportsCover('a', F)).toBe(false);
  });

  it('grants a departed sender only towards the receivers its reports name: one leaving confirmed a liar nobody served', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('a', sent({ b: 200_000 }), 1_000, RECEIVERS);
    ledger.left('a', 1_100, 1_000, null); // uncapped: the whole file, towards b
    expect(ledger.corroborates('b', F, 2_000)).toBe(true);
    // c, whom a never named: before, an honest student closing its tab confirmed c's made-up completion.
    expect(ledger.corroborates('c', F, 2_000)).toBe(false);
    // A sender that left before it named anyone may have sent anyone anything (a puppet's: TRUST.md).
    ledger.left('s', 1_200, 1_000, null);
    expect(ledger.corroborates('c', F, 2_000)).toBe(true);
  });

  it('grants a departed sender towards a receiver another sender served: its own reports may have stopped arriving', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: F }), 1_000, RECEIVERS); // its last report that arrives
    // Its reports stop reaching the server; its engine serves c too, as b does; it is noticed gone at 40 s.
    ledger.record('b', sent({ c: 600_000 }), 5_500, RECEIVERS);
    ledger.left('s', 40_000, 1_000, 100_000);
    expect(ledger.corroborates('c', F, 6_000)).toBe(true);
  });

  it('grants a departed sender what its cap lets it send after its last report, and no more', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 900_000 }), 1_000, RECEIVERS);
    // 200 ms at 100 kB/s after its last report: about 170 kB with the burst allowance, enough for the 10 % left.
    ledger.left('s', 1_200, 1_000, 100_000);
    expect(bytesThroughCap(100_000, 200)).toBeGreaterThan(100_000);
    expect(ledger.corroborates('a', F, 1_200)).toBe(true);
    expect(ledger.corroborates('s', F, 1_200)).toBe(false); // what it may have sent others is no witness of itself

    const slow = createWitnessLedger({ maxDepartedSenders: 4 });
    slow.record('s', sent({ a: 500_000 }), 1_000, RECEIVERS);
    slow.left('s', 1_200, 1_000, 100_000);
    expect(slow.corroborates('a', F, 1_200)).toBe(false);
  });

  it('grants towards a completion only what the departed sender could send before it was heard', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 500_000 }), 1_000, RECEIVERS);
    // Silent for 9 s before it left, at 100 kB/s: it may have sent about 1 MB unreported, but not before 1.1 s.
    ledger.left('s', 10_000, 1_000, 100_000);
    expect(ledger.corroborates('a', F, 10_000)).toBe(true);
    expect(ledger.corroborates('a', F, 1_100)).toBe(false);
    // The same once it came back (its page reloaded): what it was granted keeps its times.
    ledger.restarted('s');
    expect(ledger.corroborates('a', F, 1_100)).toBe(false);
    const imported = createWitnessLedger({ maxDepartedSenders: 4 }, JSON.parse(JSON.stringify(ledger.exportState())));
    expect([imported.corroborates('a', F, 10_000), imported.corroborates('a', F, 1_100)]).toEqual([true, false]);
  });

  it('grants a sender that leaves and comes back again and again each span of time once', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('p', sent({ a: 0 }), 1_000, RECEIVERS);
    // A capped puppet reports once, then leaves and comes back (a reload each time) every 10 ms for 60 ms,
    // never reporting again: 1 s after its report, at 100 kB/s, it may have sent what 1 s allows, not 6 times that.
    for (let cycle = 1; cycle <= 6; cycle++) {
      ledger.left('p', 1_000 + cycle * 10 + 940, 1_000, 100_000);
      ledger.restarted('p');
    }
    const exported = ledger.exportState();
    const [, account] = exported.senders.find(([senderId]) => senderId === 'p')!;
    expect(grantsTowards(account.granted as readonly UnreportedGrant[], 10_000)).toBe(bytesThroughCap(100_000, 1_000));
  });

  it('grants a puppet reporting between its cycles no burst per cycle, nothing after the completion, and a bounded list', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    // At 10 kB/s a span's burst allowance is about 145 kB: granted once per cycle, 8 cycles vouched for 1 MiB
    // nobody sent (a report between them kept each cycle's grant apart, found by review).
    const capped = 10_000;
    let nowMs = 1_000;
    for (let cycle = 0; cycle < 1_000; cycle++) {
      ledger.record('p', sent({ a: 0 }), nowMs, RECEIVERS);
      ledger.left('p', nowMs + 1, nowMs, capped);
      ledger.restarted('p');
      nowMs += 2;
    }
    const [, account] = ledger.exportState().senders.find(([senderId]) => senderId === 'p')!;
    const grants = account.granted as readonly UnreportedGrant[];
    expect(grants.length).toBeLessThanOrEqual(MAX_GRANTS_PER_SENDER);
    // 1,000 ms of unreported time at 10 kB/s, and one burst: about 156 kB, far from the file.
    expect(grantsTowards(grants, nowMs)).toBeCloseTo(bytesThroughCap(capped, 1_000), 6);
    expect(ledger.corroborates('a', F, nowMs)).toBe(false);
    // A completion heard before all of it is vouched for by none of it.
    expect(grantsTowards(grants, 1_000)).toBe(0);
  });

  it('names no more than MAX_RECEIVERS_PER_SENDER receivers in one account, however many it says it sent a byte', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 10 }), 0, RECEIVERS);
    for (let index = 0; index < MAX_RECEIVERS_PER_SENDER + 500; index++) {
      const puppet = `puppet${index}`;
      ledger.record('s', [{ peerId: puppet, bytes: 1 }], index + 1, new Set([puppet]));
    }
    ledger.record('s', sent({ a: 20 }), 5_000, RECEIVERS);
    const [, account] = ledger.exportState().senders.find(([senderId]) => senderId === 's')!;
    expect(account.sent).toHaveLength(MAX_RECEIVERS_PER_SENDER);
    // A receiver it already names is still counted as it grows.
    expect(ledger.witnessed('a')).toBe(20);
    // A newcomer it sends the file to counts: a receiver gone from the run makes room (the first 1,024 were kept for
    // good, and in client-server, with the seeder the only witness, every later completion went unconfirmed).
    ledger.record('s', sent({ a: 20, late: F }), 6_000, new Set([...RECEIVERS, 'late']));
    expect(ledger.corroborates('late', F, 6_000)).toBe(true);
    expect(ledger.witnessed('a')).toBe(20);
  });

  it('names no more than MAX_RECEIVERS_PER_SENDER receivers now and before its page reloaded, together', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    // A member naming a new set of puppets with a byte each, reloading its page between them: each reload carried
    // what its engine had named, and the carried receivers grew without end (3,840 after 60 cycles; found by review).
    for (let cycle = 0; cycle < 60; cycle++) {
      const puppets = Array.from({ length: 64 }, (_, index) => `puppet${cycle}-${index}`);
      ledger.record(
        's',
        puppets.map((peerId) => ({ peerId, bytes: 1 })),
        cycle * 1000,
        new Set([...RECEIVERS, ...puppets]),
      );
      ledger.restarted('s');
    }
    ledger.record('s', sent({ a: 20 }), 61_000, RECEIVERS);
    const [, account] = ledger.exportState().senders.find(([senderId]) => senderId === 's')!;
    const named = new Set([...account.sent, ...(account.carried ?? [])].map(([receiverId]) => receiverId));
    expect(named.size).toBeLessThanOrEqual(MAX_RECEIVERS_PER_SENDER);
    expect(ledger.witnessed('a')).toBe(20);
  });

  it('keeps no entry for a receiver it sent nothing, however many took part', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    for (let index = 0; index < 2_000; index++) {
      const puppet = `puppet${index}`;
      ledger.record('s', [{ peerId: puppet, bytes: 0 }], index, new Set([puppet]));
    }
    ledger.record('s', sent({ a: 10 }), 2_000, RECEIVERS);
    const [, account] = ledger.exportState().senders.find(([senderId]) => senderId === 's')!;
    expect(account.sent).toEqual([['a', 10]]);
  });

  it('grants nothing of a span that began after the completion was heard', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 0 }), 50_000, RECEIVERS);
    ledger.left('s', 50_001, 50_000, 10_000);
    // Heard at 40 s: what it sent from 50 s on cannot have completed it (its burst was granted whatever the time).
    expect(grantsTowards([{ sinceMs: 50_000, untilMs: 50_001, bytesPerSec: 10_000 }], 40_000)).toBe(0);
    expect(ledger.corroborates('a', 100_000, 40_000)).toBe(false);
  });

  it('counts for a peer id that changed hands only what its senders send from then on, over restarts too', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('s', sent({ a: 1_000 }), 100, RECEIVERS);
    ledger.forgetReceiver('a');
    // Its engine keeps its total by peer id: the old owner's bytes come again, and count for nobody.
    ledger.record('s', sent({ a: 1_000 }), 200, RECEIVERS);
    expect(ledger.witnessed('a')).toBe(0);
    ledger.record('s', sent({ a: 1_500 }), 300, RECEIVERS);
    expect(ledger.witnessed('a')).toBe(500);
    // The sender's page reloads: its new engine counts from zero, and adds.
    ledger.restarted('s');
    ledger.record('s', sent({ a: 200 }), 400, RECEIVERS);
    expect(ledger.witnessed('a')).toBe(700);
    const imported = createWitnessLedger({ maxDepartedSenders: 4 }, JSON.parse(JSON.stringify(ledger.exportState())));
    expect(imported.witnessed('a')).toBe(700);
  });

  it('reads grants stored before their times were kept: so many bytes, whenever the completion', () => {
    const stored: WitnessLedgerState = {
      senders: [
        ['s', { sent: [['a', 500_000]], lastReportAtMs: 1_000 }],
        ['b', { sent: [], carried: [['a', 100_000]], granted: 400_000, lastReportAtMs: 1_000 }],
      ],
      departed: [['s', 200_000]],
    };
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 }, stored);
    // 500 kB reported, 100 kB carried, 200 kB and 400 kB granted, towards any completion.
    expect(ledger.corroborates('a', F, 0)).toBe(true);
    expect(ledger.corroborates('a', 1_300_000, 0)).toBe(false);
  });

  it('takes nothing more from a discredited sender', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 4 });
    ledger.record('b', sent({ a: F }), 100, RECEIVERS);
    ledger.left('b', 200, 100, null);
    ledger.discredit('b');
    expect(ledger.witnessed('a')).toBe(0);
    expect(ledger.corroborates('a', F, 1_000)).toBe(false);
  });

  it('forgets the oldest departed senders’ grants past its cap, and the accounts of those that vouch for nothing', () => {
    const ledger = createWitnessLedger({ maxDepartedSenders: 1 });
    ledger.record('s', sent({ a: 400_000 }), 0, RECEIVERS);
    ledger.record('b', sent({ a: 300_000 }), 0, RECEIVERS);
    ledger.record('c', sent({ a: 0 }), 0, RECEIVERS);
    ledger.left('s', 0, 0, 10_000);
    ledger.left('b', 0, 0, 10_000);
    ledger.left('c', 0, 0, 10_000);
    ledger.left('d', 0, 0, 10_000);
    expect(ledger.witnessed('a')).toBe(700_000);
    expect(ledger.exportState().departed.map(([senderId]) => senderId)).toEqual(['d']);
    expect(ledger.lastReportAtMs('c')).toBeUndefined();
  });
});
