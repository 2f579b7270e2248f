import {
  codeResolveRequestSchema,
  peerNameRequestSchema,
  type CodeResolved,
  type CodeResolveRequest,
  type PeerNameRequest,
} from '@swarmlab/protocol';
import type { AddressKey } from './address-quotas';
import type { CodeLookupBudgets } from './code-lookup-budgets';
import type { ServerLimits } from './limits';
import type { ProgressBroadcaster } from './progress-broadcaster';
import { refuse } from './refusals';
import { guardRequest, withSchema, type GuardContext } from './request-guard';
import type { SignallingSocket } from './signalling-io';
import type { SwarmStore } from './swarm-store';
import type { InOrder } from './membership-turn';

export interface ClassroomHandlerDeps {
  readonly socket: SignallingSocket;
  /** The socket's address, which its failed code lookups count against. */
  readonly address: AddressKey;
  readonly context: GuardContext;
  readonly store: SwarmStore;
  readonly limits: ServerLimits;
  readonly progress: ProgressBroadcaster;
  readonly codeLookups: CodeLookupBudgets;
  readonly inOrder: InOrder;
}

/**
 * What a classroom needs beyond the link, for one socket: `code:resolve` (which swarm a join code names,
 * failed lookups limited per address) and `peer:name` (a member's display name for every screen).
 */
export function attachClassroomHandlers(deps: ClassroomHandlerDeps): void {
  const { socket, address, context, store, limits, progress, codeLookups, inOrder } = deps;

  socket.on(
    'code:resolve',
    guardRequest<CodeResolveRequest, CodeResolved>(context, {
      event: 'code:resolve',
      parse: withSchema(codeResolveRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      async handle({ code }, reply) {
        // An address out of failed lookups learns nothing, hits included, until its budget refills.
        if (!codeLookups.reserve(address)) return reply(refuse('too-many-code-lookups'));
        const swarm = await store.swarmOfCode(code);
        if (!swarm) return reply(refuse('code-not-found'));
        codeLookups.found(address);
        reply({ ok: true, swarmId: swarm.swarmId, contentId: swarm.contentId });
      },
    }),
  );

  socket.on(
    'peer:name',
    guardRequest<PeerNameRequest, object>(context, {
      event: 'peer:name',
      parse: withSchema(peerNameRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      async handle({ name }, reply) {
        const named = await inOrder(async () => {
          const swarmId = store.followedSwarmOf(socket.id);
          if (swarmId === undefined) return undefined;
          const updated = await store.update(swarmId, ({ registry, peerNames }) => {
            const member = registry.membershipOf(socket.id);
            if (member) peerNames.set(member.swarmId, member.peerId, name);
            return member !== undefined;
          });
          return updated.ok && updated.value ? swarmId : undefined;
        });
        if (named === undefined) return reply(refuse('not-in-swarm'));
        reply({ ok: true });
        progress.changed(named);
      },
    }),
  );
}
