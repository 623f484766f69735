import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Clock, DomainError, newId } from '@mandate/core';
import { ACCOUNTABILITY_MODES, AccountabilityMode, agentDecider, agentStream, AgentState } from '@mandate/agents';
import { AggregateRepository, Allow, CLOCK, CurrentPrincipal, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { contextOf, operatorOf } from '../principal';
import { KillSwitch } from '../kill-switch/kill-switch';

class RegisterAgentDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) accountability_mode?: AccountabilityMode;
}

class UpdateAgentDto {
  @IsOptional() @IsIn(ACCOUNTABILITY_MODES) accountability_mode?: AccountabilityMode;
  @IsOptional() @IsIn(['active', 'suspended']) status?: 'active' | 'suspended';
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

class ListAgentsQuery {
  @IsOptional() @IsString() @Matches(/^agt_[A-Za-z0-9_-]{1,64}$/) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

class RevokeDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class RegisterAgent {
  constructor(readonly body: RegisterAgentDto, readonly principal: Principal) {}
}
export class UpdateAgent {
  constructor(readonly agentId: string, readonly body: UpdateAgentDto, readonly principal: Principal) {}
}

export function agentView(state: AgentState) {
  if (state.status !== 'registered') throw new DomainError('NOT_FOUND', 'agent was not found', 404);
  return {
    id: state.agentId,
    name: state.name,
    description: state.description,
    accountability_mode: state.accountabilityMode,
    status: state.suspended ? 'suspended' : 'active',
    registered_at: state.registeredAt,
  };
}

@CommandHandler(RegisterAgent)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgent> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ body, principal }: RegisterAgent) {
    const { tenantId } = operatorOf(principal);
    const agentId = newId('agt', 12);
    const context = contextOf(principal, tenantId, this.clock);
    const { state, position } = await this.repository.execute(agentDecider, agentStream(agentId), {
      type: 'RegisterAgent',
      agentId,
      tenantId,
      name: body.name,
      description: body.description ?? '',
      accountabilityMode: body.accountability_mode ?? 'enforced',
      now: context.now,
    }, context);
    return { ...agentView(state), position };
  }
}

@CommandHandler(UpdateAgent)
export class UpdateAgentHandler implements ICommandHandler<UpdateAgent> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly killSwitch: KillSwitch,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ agentId, body, principal }: UpdateAgent) {
    const { tenantId } = operatorOf(principal);
    await loadAgentOf(this.repository, tenantId, agentId);
    const context = contextOf(principal, tenantId, this.clock);
    let position = 0;
    if (body.accountability_mode) {
      ({ position } = await this.repository.execute(agentDecider, agentStream(agentId), { type: 'ChangeAccountabilityMode', to: body.accountability_mode }, context));
    }
    if (body.status === 'suspended') {
      const reason = body.reason ?? 'agent suspended';
      ({ position } = await this.repository.execute(agentDecider, agentStream(agentId), { type: 'SuspendAgent', reason }, context));
      // A suspended agent keeps no working passport.
      const revoked = await this.killSwitch.revokeAll(principal, tenantId, reason, 'agent', agentId);
      position = Math.max(position, revoked.position);
    } else if (body.status === 'active') {
      ({ position } = await this.repository.execute(agentDecider, agentStream(agentId), { type: 'ReinstateAgent' }, context));
    }
    const { state } = await this.repository.load(agentDecider, agentStream(agentId));
    return { ...agentView(state), position };
  }
}

/** Another tenant's agent answers exactly like a missing one. */
export async function loadAgentOf(repository: AggregateRepository, tenantId: string, agentId: string) {
  if (!/^agt_[A-Za-z0-9_-]{1,64}$/.test(agentId)) throw new DomainError('NOT_FOUND', `agent ${agentId} was not found`, 404);
  const { state } = await repository.load(agentDecider, agentStream(agentId));
  if (state.status !== 'registered' || state.tenantId !== tenantId) throw new DomainError('NOT_FOUND', `agent ${agentId} was not found`, 404);
  return state;
}

@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly killSwitch: KillSwitch,
  ) {}

  @Post()
  @Allow('admin', 'operator')
  register(@Body() body: RegisterAgentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RegisterAgent(body, principal));
  }

  @Get()
  @Allow('admin', 'operator', 'approver', 'auditor')
  async list(@Query() query: ListAgentsQuery, @CurrentPrincipal() principal: Principal) {
    const { tenantId } = operatorOf(principal);
    await this.killSwitch.catchUp();
    const limit = query.limit ?? 100;
    const agents = await this.readModels.agents(tenantId, query.cursor ?? '', limit);
    return {
      agents: agents.map((a) => ({
        id: a.agentId, name: a.name, description: a.description, accountability_mode: a.accountabilityMode,
        status: a.suspended ? 'suspended' : 'active', registered_at: a.registeredAt,
      })),
      next_cursor: agents.length === limit ? agents[agents.length - 1].agentId : null,
    };
  }

  @Get(':agentId')
  @Allow('admin', 'operator', 'approver', 'auditor')
  async get(@Param('agentId') agentId: string, @CurrentPrincipal() principal: Principal) {
    const state = await loadAgentOf(this.repository, operatorOf(principal).tenantId, agentId);
    return agentView(state);
  }

  @Patch(':agentId')
  @Allow('admin', 'operator')
  update(@Param('agentId') agentId: string, @Body() body: UpdateAgentDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new UpdateAgent(agentId, body, principal));
  }

  @Post(':agentId/revoke')
  @HttpCode(200)
  @Allow('admin', 'operator')
  async revokeAll(@Param('agentId') agentId: string, @Body() body: RevokeDto, @CurrentPrincipal() principal: Principal) {
    const { tenantId } = operatorOf(principal);
    await loadAgentOf(this.repository, tenantId, agentId);
    return this.killSwitch.revokeAll(principal, tenantId, body.reason ?? 'revoked by an operator', 'agent', agentId);
  }
}
