/**
 * Runs a change of what one socket follows (a swarm it creates, joins, watches, resumes or leaves) after
 * that socket's earlier such changes finished, never beside them: `handlers.ts` says why.
 */
export type MembershipTurn = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * For a request outside the membership turn (a run's start or stop, links, a name, a signal, a report) that reads what
 * its socket follows: waits for the socket's membership changes queued before it. socket.io hands over every event
 * of one read before any turn's task starts, so a `run:start` right behind a `swarm:leave` started a run for a socket
 * that had asked to leave, and a `peer:name` right behind a `swarm:join` was refused as not in the swarm (found by
 * review).
 */
export type AfterTurn = () => Promise<void>;
