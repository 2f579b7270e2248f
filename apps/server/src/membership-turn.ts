/**
 * Runs a change of what one socket follows (a swarm it creates, joins, watches, resumes or leaves) after
 * that socket's earlier such changes finished, never beside them: `handlers.ts` says why.
 */
export type MembershipTurn = <T>(task: () => Promise<T>) => Promise<T>;
