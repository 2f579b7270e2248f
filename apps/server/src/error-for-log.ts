/**
 * What the server's log says about an error: its stack trace where there is one (the cause is for the
 * operator; a client is only ever told `internal-error`).
 */
export function errorForLog(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
