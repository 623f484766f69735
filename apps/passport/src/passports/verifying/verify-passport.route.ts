import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiConsumes, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow } from '@mandate/platform';
import { IntrospectDto, VerifyDto } from './verify-passport.dto';
import { VerifyPassport } from './verify-passport.handler';
import { IntrospectionResponse, VerifyResponse } from '../passport.response';

@Controller('v1/passports')
export class VerifyPassportRoute {
  constructor(private readonly commands: CommandBus) {}

  /** Anyone holding a token may ask whether it is active now. */
  @Post('verify')
  @HttpCode(200)
  @Allow('public')
  @ApiOkResponse({ type: VerifyResponse })
  @ApiOperation({ summary: 'Introspection: is this token active now' })
  verify(@Body() body: VerifyDto) {
    return this.commands.execute(new VerifyPassport(body.token));
  }

  /** The same question in RFC 7662's words (a form or JSON with `token`), for gateways that speak introspection. */
  @Post('introspect')
  @HttpCode(200)
  @Allow('public')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiOkResponse({ type: IntrospectionResponse })
  @ApiOperation({ summary: 'Token introspection (RFC 7662): active, and the standard claims with cnf' })
  async introspect(@Body() body: IntrospectDto) {
    const verified = await this.commands.execute(new VerifyPassport(body.token));
    if (!verified.active) return { active: false };
    const { claims } = verified;
    return {
      active: true,
      token_type: claims.cnf ? 'DPoP' : 'Bearer',
      scope: claims.services.join(' '),
      client_id: claims.sub,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
      exp: claims.exp,
      iat: claims.iat,
      ...(claims.cnf ? { cnf: claims.cnf } : {}),
      tid: claims.tid,
      mission_id: claims.mission_id,
    };
  }
}
