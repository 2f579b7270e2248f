#!/usr/bin/env node
// The `swarmlab-peer` command: the peer's TypeScript, run in this one process. Under the `tsx` command, which runs
// a script in a child process of its own, one Ctrl-C of a peer busy for 60 ms was sent again and then turned
// into a SIGKILL, which left an `--out` download's `.part` behind (found by review). `tsx` is resolved from
// this package, wherever the command is typed.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
