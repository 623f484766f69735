import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { Clock, DomainError, newId } from '@mandate/core';
import { Role, ROLES, tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, Allow, CLOCK, CurrentPrincipal, newOperatorKey, Principal } from '@mandate/platform';
import { contextOf, operatorOf } from '../principal';

class CreateTenantDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
}

class CreateKeyDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @IsIn(ROLES) role: Role;
}

class RevokeKeyDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class CreateTenant {
  constructor(readonly name: string, readonly principal: Principal) {}
}
export class CreateOperatorKey {
  constructor(readonly name: string, readonly role: Role, readonly principal: Principal) {}
}
export class RevokeOperatorKey {
  constructor(readonly keyId: string, readonly reason: string, readonly principal: Principal) {}
}

@CommandHandler(CreateTenant)
export class CreateTenantHandler implements ICommandHandler<CreateTenant> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ name, principal }: CreateTenant) {
    const tenantId = newId('ten', 9);
    const keyId = newId('key', 9);
    const { key, keyHash } = newOperatorKey(tenantId, keyId);
    const { position } = await this.repository.execute(
      tenantDecider,
      tenantStream(tenantId),
      { type: 'CreateTenant', tenantId, name, firstKey: { keyId, name: 'first admin key', keyHash } },
      contextOf(principal, tenantId, this.clock),
    );
    return { tenant_id: tenantId, name, admin_key: { key_id: keyId, role: 'admin', key }, position };
  }
}

@CommandHandler(CreateOperatorKey)
export class CreateOperatorKeyHandler implements ICommandHandler<CreateOperatorKey> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ name, role, principal }: CreateOperatorKey) {
    const operator = operatorOf(principal);
    const keyId = newId('key', 9);
    const { key, keyHash } = newOperatorKey(operator.tenantId, keyId);
    const { position } = await this.repository.execute(
      tenantDecider,
      tenantStream(operator.tenantId),
      { type: 'CreateOperatorKey', keyId, name, role, keyHash },
      contextOf(principal, operator.tenantId, this.clock),
    );
    return { key_id: keyId, name, role, key, position };
  }
}

@CommandHandler(RevokeOperatorKey)
export class RevokeOperatorKeyHandler implements ICommandHandler<RevokeOperatorKey> {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ keyId, reason, principal }: RevokeOperatorKey) {
    const operator = operatorOf(principal);
    const { position } = await this.repository.execute(
      tenantDecider,
      tenantStream(operator.tenantId),
      { type: 'RevokeOperatorKey', keyId, reason },
      contextOf(principal, operator.tenantId, this.clock),
    );
    return { key_id: keyId, revoked: true, position };
  }
}

@Controller()
export class TenantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly repository: AggregateRepository,
  ) {}

  @Post('v1/tenants')
  @Allow('instance_admin')
  createTenant(@Body() body: CreateTenantDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CreateTenant(body.name, principal));
  }

  @Post('v1/keys')
  @Allow('admin')
  createKey(@Body() body: CreateKeyDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CreateOperatorKey(body.name, body.role, principal));
  }

  @Get('v1/keys')
  @Allow('admin')
  async listKeys(@CurrentPrincipal() principal: Principal) {
    const { state } = await this.repository.load(tenantDecider, tenantStream(operatorOf(principal).tenantId));
    if (state.status !== 'active') throw new DomainError('NOT_FOUND', 'tenant was not found', 404);
    // Hashes stay inside: a key is shown once, at creation, and never again.
    return { keys: Object.values(state.keys).map((k) => ({ key_id: k.keyId, name: k.name, role: k.role, revoked: k.revoked })) };
  }

  @Post('v1/keys/:keyId/revoke')
  @HttpCode(200)
  @Allow('admin')
  revokeKey(@Param('keyId') keyId: string, @Body() body: RevokeKeyDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RevokeOperatorKey(keyId, body.reason ?? 'revoked by an admin', principal));
  }
}
