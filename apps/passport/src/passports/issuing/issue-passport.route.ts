import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, answerIdempotently, CurrentPrincipal, IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, Principal } from '@mandate/platform';
import { IssuePassportDto } from './issue-passport.dto';
import { IssuePassport } from './issue-passport.handler';
import { IssuedPassportResponse } from '../passport.response';

@Controller('v1/passports')
export class IssuePassportRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Opens a mission and issues its passport. `Idempotency-Key` (header or body) makes a retry return the same one. */
  @Post()
  @Allow('admin', 'operator', 'agent')
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
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
    const result = await this.commands.execute(new IssuePassport(principal, body, idempotencyKeyOf(header, body.idempotency_key)));
    answerIdempotently(reply, result.replayed);
    return result.body;
  }
}
