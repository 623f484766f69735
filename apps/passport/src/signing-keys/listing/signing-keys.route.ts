import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, PassportTokens } from '@mandate/platform';
import { SigningKeysResponse } from '../signing-key.response';

@Controller('v1/admin/signing-keys')
export class SigningKeysRoute {
  constructor(private readonly tokens: PassportTokens) {}

  @Get()
  @Allow('instance_admin')
  @ApiOkResponse({ type: SigningKeysResponse })
  @ApiOperation({ summary: 'The passport signing keys that still verify, and until when (instance admin)' })
  list(): SigningKeysResponse {
    return this.tokens.signingKeys();
  }
}
