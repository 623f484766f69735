import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@mandate/core';
import { tenantDecider, tenantStream } from '@mandate/tenancy';
import { AggregateRepository, Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { KeyListResponse } from '../key.response';

@Controller('v1/keys')
export class ListKeysRoute {
  constructor(private readonly repository: AggregateRepository) {}

  @Get()
  @Allow('admin')
  @ApiOkResponse({ type: KeyListResponse })
  @ApiOperation({ summary: 'List operator keys (never the secrets)' })
  async list(@CurrentPrincipal() principal: Principal) {
    const { state } = await this.repository.load(tenantDecider, tenantStream(operatorOf(principal).tenantId));
    if (state.status !== 'active') throw new DomainError('NOT_FOUND', 'tenant was not found');
    // Hashes stay inside: a key is shown once, at creation, and never again.
    return { keys: Object.values(state.keys).map((k) => ({ key_id: k.keyId, name: k.name, role: k.role, revoked: k.revoked })) };
  }
}
