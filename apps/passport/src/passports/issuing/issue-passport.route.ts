import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@mandate/core';
import { Allow, CurrentPrincipal, Principal } from '@mandate/platform';
import { IssuePassportDto } from './issue-passport.dto';
import { IssuePassport } from './issue-passport.handler';
import { IssuedPassportResponse } from '../passport.response';

@Controller('v1/passports')
export class IssuePassportRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Opens a mission and issues its passport. `Idempotency-Key` (header or body) makes a retry return the same one. */
  @Post()
  @Allow('admin', 'operator', 'agent')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retry with the same key and body returns the same passport', schema: { type: 'string', minLength: 1, maxLength: 200 } })
  @ApiCreatedResponse({ type: IssuedPassportResponse, description: 'issued' })
  @ApiOkResponse({ type: IssuedPassportResponse, description: 'the same passport, for a retried idempotency key (Idempotent-Replayed: true)' })
  @ApiNotFoundResponse({ description: 'no such agent in this tenant' })
  @ApiOperation({ summary: "Issue a passport for a mission (an operator; or an enrolled agent for itself, within its ceiling, bound to its key)" })
  async issue(
    @Body() body: IssuePassportDto,
    @Headers('idempotency-key') header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: { status(code: number): void; header(name: string, value: string): void },
  ) {
    if (header !== undefined && (header.length === 0 || header.length > 200)) {
      throw new DomainError('VALIDATION_FAILED', 'the Idempotency-Key header must be 1 to 200 characters');
    }
    if (header !== undefined && body.idempotency_key !== undefined && header !== body.idempotency_key) {
      throw new DomainError('VALIDATION_FAILED', 'the Idempotency-Key header and idempotency_key differ');
    }
    const result = await this.commands.execute(new IssuePassport(principal, body, header ?? body.idempotency_key ?? null));
    reply.status(result.replayed ? 200 : 201);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return result.body;
  }
}
