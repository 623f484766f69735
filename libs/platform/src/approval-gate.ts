import { Inject, Injectable } from '@nestjs/common';
import { Clock, DomainError, RecordedEvent } from '@mandate/core';
import { Amount, APPROVAL_REFUSALS, ApprovalRefusal, callShape, CallRequest, intentDecider, intentIdOfApproval, intentStream } from '@mandate/intents';
import { missionDecider, MissionFacts, MissionState, missionStream, RefusalAlreadyRecorded } from '@mandate/missions';
import { commandContext } from './command-context';
import { answerUse, PassportPrincipal, passportUse, PassportUseCommand } from './passport-use';
import { RefusalTally } from './refusal-tally';
import { AggregateRepository, Decided, Executed, Step } from './repository';
import { CLOCK } from './tokens';

export interface GatedCall {
  approvalId: string;
  /** The request about to be made, as the approval must have named it. */
  request: CallRequest & { service: string };
  /** A call that claims an amount must claim the approved one. */
  amount?: Amount;
  /** Where the URL was in the request body, for the validation error. */
  urlField?: string;
}

export interface Passed {
  mission: Executed<MissionFacts>;
  position: number;
}

/** The tenant a mission belongs to (an intent or an approval has none of its own: it is its mission's). */
export async function tenantOfMission(repository: AggregateRepository, missionId: string): Promise<string | null> {
  const mission = (await repository.load(missionDecider, missionStream(missionId))).state;
  return mission.status === 'issued' ? mission.tenantId : null;
}

export const invalidUrl = (field: string) =>
  new DomainError('VALIDATION_FAILED', `${field} must be an absolute http(s) URL`, { errors: [{ field, problems: ['must be an absolute http(s) URL'] }] });

const refused = (decided: Decided, type: string) => decided.events.some((e) => e.type === type);

/**
 * The approval gate, for every service that lets a call through: the consume route, a gated tool call, the proxy.
 * The approval is spent in the same commit as what the passport does through the door (`use`): a call the mission
 * refuses leaves the approval unspent, and a call the gate refuses is not recorded as made. Every refusal is a fact.
 */
@Injectable()
export class ApprovalGate {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly refusals: RefusalTally,
  ) {}

  async pass(passport: PassportPrincipal, call: GatedCall, use: PassportUseCommand): Promise<Passed> {
    const shape = callShape(call.request.service, call.request);
    if (!shape) throw invalidUrl(call.urlField ?? 'url');
    const intentId = intentIdOfApproval(call.approvalId);
    const intent = (await this.repository.load(intentDecider, intentStream(intentId))).state;
    // Another tenant's approval answers exactly like one that does not exist.
    if (intent.status === 'none' || intent.status === 'refused' || (await tenantOfMission(this.repository, intent.missionId)) !== passport.claims.tid) {
      throw new DomainError('NOT_FOUND', `approval ${call.approvalId} was not found`);
    }
    const context = commandContext(passport, passport.claims.tid, this.clock);
    // The gate first, then the call it opened: the stored order reads as it happened.
    const [gate, mission] = await this.decideTogether(
      [
        {
          decider: intentDecider,
          streamId: intentStream(intentId),
          command: { type: 'ConsumeApproval', approvalId: call.approvalId, presentedBy: passport.claims.jti, call: shape, amount: call.amount, now: context.now },
        },
        { decider: missionDecider, streamId: missionStream(passport.claims.mission_id), command: passportUse(passport, context.now, use) },
      ],
      context,
      ([gateDecided, missionDecided]) => {
        // A use the mission refuses (a dead passport, a proxied call it will not make) leaves the approval unspent.
        if (refused(missionDecided, 'PassportUseRefused') || refused(missionDecided, 'ProxiedCallRefused')) return [[], missionDecided.events];
        if (refused(gateDecided, 'ApprovalRefused')) return [gateDecided.events, []];
        return [gateDecided.events, missionDecided.events];
      },
    );
    const used = answerUse(passport, mission as Executed<MissionState>);
    const refusal = gate.events.find((e): e is RecordedEvent<'ApprovalRefused', { reason: ApprovalRefusal; mismatched: string[] }> => e.type === 'ApprovalRefused');
    if (refusal) {
      const answer = APPROVAL_REFUSALS[refusal.data.reason];
      throw new DomainError(answer.code, answer.detail, {
        gate_reason: refusal.data.reason,
        ...(refusal.data.mismatched.length > 0 ? { mismatched: refusal.data.mismatched } : {}),
        position: gate.position,
      });
    }
    return { mission: used, position: Math.max(used.position, gate.position) };
  }

  /** A refusal whose kind is already recorded in its window stores nothing here either: counted, and answered. */
  private async decideTogether(steps: Step[], context: Parameters<AggregateRepository['executeTogether']>[1], choose: Parameters<AggregateRepository['executeTogether']>[2]) {
    try {
      return await this.repository.executeTogether(steps, context, choose);
    } catch (error) {
      if (error instanceof RefusalAlreadyRecorded) return this.refusals.answer(error);
      throw error;
    }
  }
}
