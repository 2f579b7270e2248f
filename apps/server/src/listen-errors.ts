/** What `main` prints, and exits with, for an error from listening. */
export interface ListenFailure {
  readonly message: string;
  /** 2 for an option to change (a host that is not this machine's), 1 for the machine's state (a port in use). */
  readonly exitCode: 1 | 2;
}

/**
 * One line naming the option to change, for the errors listening fails with: a port in use or privileged, a host
 * that is no address of this machine or no name at all, a link-local IPv6 address without its interface, IPv6 on a
 * machine without it. Each was a raw stack trace (found by review); undefined for
 * any other error.
 */
export function describeListenError(error: unknown): ListenFailure | undefined {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  const detail = error instanceof Error ? error.message : '';
  switch (code) {
    case 'EADDRINUSE':
      return { message: `the port is already in use (${detail}); choose another with --port`, exitCode: 1 };
    case 'EACCES':
      return {
        message: `this user may not listen on that port (${detail}); choose one from 1024 up with --port`,
        exitCode: 1,
      };
    case 'EADDRNOTAVAIL':
      return {
        message: `--host is not an address of this machine (${detail}); leave it out to listen on all of them`,
        exitCode: 2,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        message: `--host is no address or name this machine can resolve (${detail}); leave it out to listen on all`,
        exitCode: 2,
      };
    // Linux refuses a link-local IPv6 address without its interface (`fe80::1`, copied from `ip a` without `%eth0`).
    case 'EINVAL':
      return {
        message: `--host cannot be listened on (${detail}); a link-local IPv6 address needs its interface, as in fe80::1%eth0, or leave --host out to listen on all`,
        exitCode: 2,
      };
    case 'EAFNOSUPPORT':
      return {
        message: `this machine has no IPv6 (${detail}); use --host 0.0.0.0, or leave it out`,
        exitCode: 2,
      };
    default:
      return undefined;
  }
}
