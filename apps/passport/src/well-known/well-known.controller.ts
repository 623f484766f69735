import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, MANDATE_CONFIG, MandateConfig, PassportTokens } from '@mandate/platform';
import { JwksResponse, OpenIdConfigurationResponse } from './well-known.response';

/** What a downstream verifier or a cloud STS needs to trust passports without calling Mandate (RFC 7517, OIDC). */
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly tokens: PassportTokens,
    @Inject(MANDATE_CONFIG) private readonly config: MandateConfig,
  ) {}

  @Get('jwks.json')
  @Allow('public')
  @ApiOkResponse({ type: JwksResponse })
  @ApiOperation({ summary: 'Passport verification keys (RFC 7517)' })
  jwks() {
    return this.tokens.jwks();
  }

  @Get('openid-configuration')
  @Allow('public')
  @ApiOkResponse({ type: OpenIdConfigurationResponse })
  @ApiOperation({ summary: 'Discovery: the issuer, its keys and the introspection endpoint' })
  discovery() {
    const issuer = this.config.issuer;
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/v1/passports/introspect`,
      dpop_signing_alg_values_supported: ['EdDSA'],
      id_token_signing_alg_values_supported: ['EdDSA'],
      token_endpoint_auth_methods_supported: ['none'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      claims_supported: ['iss', 'sub', 'aud', 'jti', 'iat', 'exp', 'tid', 'mission_id', 'services', 'accountability_mode', 'mission_exp', 'cnf'],
    };
  }
}
