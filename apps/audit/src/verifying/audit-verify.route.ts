import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ChainVerifier } from '@mandate/audit';
import { EventStore } from '@mandate/event-store';
import { Allow, CurrentPrincipal, EVENT_STORE, operatorOf, Principal } from '@mandate/platform';
import { ChainVerificationResponse } from '../audit.response';

const PAGE = 1000;

@Controller('v1/audit')
export class AuditVerifyRoute {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Recomputes the tenant's hash chain from the stored events and names the first event that does not match. */
  @Get('verify')
  @Allow('admin', 'auditor')
  @ApiOkResponse({ type: ChainVerificationResponse })
  @ApiOperation({ summary: 'Recompute the tenant hash chain' })
  async verify(@CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    const verifier = new ChainVerifier();
    let after = 0;
    for (;;) {
      const page = await this.store.readTenantChain(tenantId, after, PAGE);
      if (page.length === 0 || !verifier.feed(page)) break;
      after = page[page.length - 1].event.position;
    }
    return { ok: verifier.firstBreak === null, checked: verifier.checked, first_break: verifier.firstBreak };
  }
}
