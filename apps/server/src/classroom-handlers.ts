import {
  codeResolveRequestSchema,
  peerNameRequestSchema,
  type CodeResolved,
  type CodeResolveRequest,
  type PeerNameRequest,
} from '@swarmlab/protocol';
import type { AddressKey } from './address-quotas';
import type { CodeLookupBudgets } from './code-lookup-budgets';
import type { JoinCodes } from './join-codes';
import type { ServerLimits } from './limits';
import type { PeerNames } from './peer-names';
import type { ProgressBroadcaster } from './progress-broadcaster';
import { refuse } from './refusals';
import { guardRequest, withSchema, type GuardContext } from './request-guard';
import type { SignallingSocket } from './signalling-io';
import type { SwarmRegistry } from './swarm-registry';

export interface ClassroomHandlerDeps {
  readonly socket: SignallingSocket;
  /** The socket's address, which its failed code lookups count against. */
  readonly address: AddressKey;
  readonly context: GuardContext;
  readonly registry: SwarmRegistry;
  readonly limits: ServerLimits;
  readonly progress: ProgressBroadcaster;
  readonly joinCodes: JoinCodes;
  readonly codeLookups: CodeLookupBudgets;
  readonly peerNames: PeerNames;
}

/**
 * What a classroom needs beyond the link, for one socket: `code:resolve` (which swarm a join code names,
 * failed lookups limited per address) and `peer:name` (a member's display name for every screen).
 */
export function attachClassroomHandlers(deps: ClassroomHandlerDeps): void {
  const { socket, address, context, registry, limits, progress, joinCodes, codeLookups, peerNames } = deps;

  socket.on(
    'code:resolve',
    guardRequest<CodeResolveRequest, CodeResolved>(context, {
      event: 'code:resolve',
      parse: withSchema(codeResolveRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      // An address out of failed lookups learns nothing, hits included, until its budget refills.
      refuseEarly: () => (codeLookups.mayLookUp(address) ? undefined : 'too-many-code-lookups'),
      handle({ code }, reply) {
        const swarm = joinCodes.swarmOf(code);
        if (!swarm || !registry.hasSwarm(swarm.swarmId)) {
          codeLookups.missed(address);
          return reply(refuse('code-not-found'));
        }
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
      handle({ name }, reply) {
        const member = registry.membershipOf(socket.id);
        if (!member) return reply(refuse('not-in-swarm'));
        peerNames.set(member.swarmId, member.peerId, name);
        reply({ ok: true });
        progress.changed(member.swarmId);
      },
    }),
  );
}
