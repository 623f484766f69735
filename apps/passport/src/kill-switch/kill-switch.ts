import { Body, Controller, HttpCode, Inject, Injectable, Post } from '@nestjs/common';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Clock, DomainError } from '@mandate/core';
import { EventStore } from '@mandate/event-store';
import { missionDecider, missionStream, RevocationScope } from '@mandate/missions';
import { AggregateRepository, Allow, CLOCK, CurrentPrincipal, EVENT_STORE, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { contextOf, operatorOf } from '../principal';

const CATCH_UP_TIMEOUT_MS = 10_000;

/** Ends passports before their time: one, every one of an agent, or every one of a tenant. */
@Injectable()
export class KillSwitch {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Waits until the read models hold everything committed so far, so a passport issued a moment ago is not missed. */
  async catchUp(): Promise<void> {
    const head = await this.store.headPosition();
    if (!(await this.readModels.waitFor(head, CATCH_UP_TIMEOUT_MS))) {
      throw new DomainError('READ_MODELS_BEHIND', 'the read models are catching up; retry shortly', 503);
    }
  }

  async revokeOne(principal: Principal, tenantId: string, missionId: string, reason: string, scope: RevocationScope) {
    const context = contextOf(principal, tenantId, this.clock);
    return this.repository.execute(missionDecider, missionStream(missionId), { type: 'RevokePassport', reason, scope, now: context.now }, context);
  }

  async revokeAll(principal: Principal, tenantId: string, reason: string, scope: 'agent' | 'tenant', agentId?: string) {
    await this.catchUp();
    const now = this.clock.now().toISOString();
    const targets = await this.readModels.revocablePassports(tenantId, now, agentId);
    let position = await this.store.headPosition();
    const revoked: string[] = [];
    for (const target of targets) {
      const result = await this.revokeOne(principal, tenantId, target.missionId, reason, scope);
      if (result.events.length > 0) revoked.push(target.jti);
      position = Math.max(position, result.position);
    }
    return { revoked: revoked.length, jtis: revoked, position };
  }
}

class RevokeAllDto {
  @IsString() @IsNotEmpty() @MaxLength(500) reason: string;
}

@Controller('v1/revocations')
export class KillSwitchController {
  constructor(private readonly killSwitch: KillSwitch) {}

  /** The tenant-wide kill switch: admin only, and it says why in the revocation of every passport. */
  @Post('all')
  @HttpCode(200)
  @Allow('admin')
  revokeTenant(@Body() body: RevokeAllDto, @CurrentPrincipal() principal: Principal) {
    return this.killSwitch.revokeAll(principal, operatorOf(principal).tenantId, body.reason, 'tenant');
  }
}
