/**
 * Runs a change of what one socket follows (a swarm it creates, joins, watches, resumes or leaves) after
 * that socket's earlier such changes finished, never beside them: `handlers.ts` says why.
 */
export type MembershipTurn = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * For a request outside the membership turn (a run's start or stop, links, a name, a signal, a report) that reads what
 * its socket follows: run at once when no membership change of the socket is queued, else queued behind them, in the
 * turn (and so before any change asked after it). socket.io hands over every event of one read before any turn's task
 * starts: a `run:start` right behind a `swarm:leave` started a run for a socket that had asked to leave, and a
 * `peer:name` right behind a `swarm:join` was refused as not in the swarm (found by review). Waiting for the queue
 * beside it, a request asked before a `swarm:leave` was overtaken by the leave.
 */
export type InOrder = <T>(task: () => Promise<T>) => Promise<T>;
