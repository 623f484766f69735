import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { addSeconds, DomainError } from '@mandate/core';
import { AGENT_LIMITS, agentDecider, agentStream } from '@mandate/agents';
import { Allow, CurrentPrincipal, Decisions, OperatorKeys, PassportTokens, Principal } from '@mandate/platform';
import { calculateJwkThumbprint } from 'jose';
import { randomBytes } from 'crypto';
import { loadAgentOf } from '../agent-access';
import { CreateEnrollmentDto, EnrollKeyDto } from './enrollment.dto';
import { EnrollmentCreatedResponse, KeyEnrolledResponse } from './enrollment.response';

const TOKEN_PREFIX = 'mdt_enroll';
const invalidToken = () => new DomainError('ENROLLMENT_TOKEN_INVALID', 'the enrollment token is not valid');

/**
 * Enrollment: an operator hands the agent's runtime a one-time token; the runtime makes its Ed25519 key pair itself and
 * enrolls the public half with it. From then on the agent authenticates with assertions it signs, and no operator key
 * is needed in its process. The token's verifier is kept beside the store like an operator key's, never in an event.
 */
@Controller('v1/agents')
export class EnrollmentRoutes {
  constructor(
    private readonly decisions: Decisions,
    private readonly operatorKeys: OperatorKeys,
    private readonly tokens: PassportTokens,
  ) {}

  @Post(':agentId/enrollments')
  @HttpCode(201)
  @Allow('admin', 'operator')
  @ApiCreatedResponse({ type: EnrollmentCreatedResponse })
  @ApiOperation({ summary: "Create a one-time enrollment token for an agent's key (shown once, expires in minutes)" })
  async create(@Param('agentId') agentId: string, @Body() body: CreateEnrollmentDto, @CurrentPrincipal() principal: Principal) {
    const decision = this.decisions.byOperator(principal);
    const agent = await loadAgentOf(this.decisions.repository, decision.tenantId, agentId);
    if (agent.suspended) throw new DomainError('AGENT_SUSPENDED', `agent ${agentId} is suspended`);
    const enrollmentId = `enr_${randomBytes(12).toString('base64url')}`;
    const expiresAt = addSeconds(decision.context.now, body.expires_in_seconds ?? AGENT_LIMITS.enrollmentSeconds.default);
    // The verifier first: a token never works without its event, and an event without one names a token that cannot.
    const secret = await this.operatorKeys.issueSecret(decision.tenantId, enrollmentId);
    const { position } = await decision.execute(agentDecider, agentStream(agentId), { type: 'CreateEnrollment', enrollmentId, expiresAt });
    return { agent_id: agentId, enrollment_id: enrollmentId, token: [TOKEN_PREFIX, decision.tenantId, agentId, enrollmentId, secret].join('.'), expires_at: expiresAt, position };
  }

  @Post('enroll')
  @HttpCode(201)
  @Allow('public')
  @ApiCreatedResponse({ type: KeyEnrolledResponse })
  @ApiResponse({ status: 401, description: 'the token is not valid or has expired (ENROLLMENT_TOKEN_INVALID, ENROLLMENT_TOKEN_EXPIRED)' })
  @ApiOperation({ summary: "Enroll an agent's public key with its one-time token (401 ENROLLMENT_TOKEN_INVALID or _EXPIRED, 409 ENROLLMENT_TOKEN_USED)" })
  async enroll(@Body() body: EnrollKeyDto) {
    const [prefix, tenantId, agentId, enrollmentId, secret, extra] = body.token.split('.');
    if (prefix !== TOKEN_PREFIX || !tenantId || !agentId || !enrollmentId || !secret || extra !== undefined) throw invalidToken();
    let agent;
    try {
      agent = await loadAgentOf(this.decisions.repository, tenantId, agentId);
    } catch {
      throw invalidToken();
    }
    if (!agent.enrollments[enrollmentId] || !(await this.operatorKeys.secretMatches(tenantId, enrollmentId, secret))) throw invalidToken();
    const jwk = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: body.jwk.x };
    const keyId = await calculateJwkThumbprint(jwk);
    const decision = this.decisions.by({ actor: { kind: 'agent', id: agentId } }, tenantId);
    const { position } = await decision.execute(agentDecider, agentStream(agentId), { type: 'EnrollKey', enrollmentId, keyId, jwk, now: decision.context.now });
    return { agent_id: agentId, tenant_id: tenantId, key_id: keyId, issuer: this.tokens.issuer, position };
  }
}
