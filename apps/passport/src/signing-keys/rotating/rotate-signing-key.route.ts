import { Controller, Logger, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, PassportTokens } from '@mandate/platform';
import { SigningKeyRotationResponse } from '../signing-key.response';

@Controller('v1/admin/signing-keys')
export class RotateSigningKeyRoute {
  private readonly logger = new Logger('signing-keys');

  constructor(private readonly tokens: PassportTokens) {}

  /** No downtime: passports signed before keep verifying, and every process takes the new key without a restart. */
  @Post('rotate')
  @Allow('instance_admin')
  @ApiCreatedResponse({ type: SigningKeyRotationResponse, description: 'the key that signs from now on, and what the JWKS holds' })
  @ApiOperation({ summary: 'Rotate the passport signing key: a new key signs, the old one verifies until its passports have expired (instance admin)' })
  rotate(): SigningKeyRotationResponse {
    const rotation = this.tokens.rotate();
    const retired = rotation.keys.find((key) => key.kid === rotation.retired);
    this.logger.log(
      `signing key rotated by the instance admin: ${rotation.kid} signs from now${rotation.made ? '' : ' (made by a rotation that raced with this one)'}; ` +
        `${rotation.retired} retired, in the JWKS until ${retired?.verifies_until ?? 'now'}` +
        (rotation.forgotten.length > 0 ? `; removed ${rotation.forgotten.join(', ')} (past retention)` : ''),
    );
    return rotation;
  }
}
