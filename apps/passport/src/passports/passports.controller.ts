import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@mandate/core';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { CheckoutDto, CheckpointDto, IssuePassportDto, LogActionsDto, RevokePassportDto, VerifyDto } from './passports.dto';
import { CheckOut, IssuePassport, LogToolCalls, RecordCheckpoint, RevokePassport } from './passports.handlers';
import { PassportsService } from './passports.service';

@Controller('v1/passports')
export class PassportsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly passports: PassportsService,
  ) {}

  /** Opens a mission and issues its passport. `Idempotency-Key` (header or body) makes a retry return the same one. */
  @Post()
  @Allow('admin', 'operator')
  async issue(
    @Body() body: IssuePassportDto,
    @Headers('idempotency-key') header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: { status(code: number): void; header(name: string, value: string): void },
  ) {
    if (header !== undefined && (header.length === 0 || header.length > 200)) {
      throw new DomainError('VALIDATION_FAILED', 'the Idempotency-Key header must be 1 to 200 characters', 422);
    }
    if (header !== undefined && body.idempotency_key !== undefined && header !== body.idempotency_key) {
      throw new DomainError('VALIDATION_FAILED', 'the Idempotency-Key header and idempotency_key differ', 422);
    }
    const result = await this.commands.execute(new IssuePassport(principal, body, header ?? body.idempotency_key ?? null));
    reply.status(result.replayed ? 200 : 201);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  /** Introspection (RFC 7662 semantics): anyone holding a token may ask whether it is active now. */
  @Post('verify')
  @HttpCode(200)
  @Allow('public')
  verify(@Body() body: VerifyDto) {
    return this.passports.verify(body.token);
  }

  @Get(':jti')
  @Allow('admin', 'operator', 'auditor', 'approver')
  async get(@Param('jti') jti: string, @CurrentPrincipal() principal: Principal) {
    return this.passports.passportView(await this.passports.get(principal, jti));
  }

  @Post(':jti/checkpoint')
  @HttpCode(200)
  @Allow('passport')
  checkpoint(@Param('jti') jti: string, @Body() body: CheckpointDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RecordCheckpoint(principal, jti, body));
  }

  @Post(':jti/actions')
  @HttpCode(201)
  @Allow('passport')
  actions(@Param('jti') jti: string, @Body() body: LogActionsDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new LogToolCalls(principal, jti, body));
  }

  @Post(':jti/checkout')
  @HttpCode(200)
  @Allow('passport')
  checkout(@Param('jti') jti: string, @Body() body: CheckoutDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new CheckOut(principal, jti, body));
  }

  @Post(':jti/revoke')
  @HttpCode(200)
  @Allow('admin', 'operator')
  revoke(@Param('jti') jti: string, @Body() body: RevokePassportDto, @CurrentPrincipal() principal: Principal) {
    return this.commands.execute(new RevokePassport(principal, jti, body.reason ?? 'revoked by an operator'));
  }
}
