import { Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { RevokeCommands } from '@mandate/platform';
import { CqrsModule } from '@nestjs/cqrs';
import { IntentModule } from '../../intent/src/intent.module';
import { AgentsController, RegisterAgentHandler, UpdateAgentHandler } from './agents/agents.controller';
import { KillSwitch, KillSwitchController } from './kill-switch/kill-switch';
import { PassportsController } from './passports/passports.controller';
import { PASSPORT_HANDLERS } from './passports/passports.handlers';
import { PassportsService } from './passports/passports.service';
import { CreateOperatorKeyHandler, CreateTenantHandler, RevokeOperatorKeyHandler, TenantsController } from './tenants/tenants.controller';
import { WellKnownController } from './well-known/well-known.controller';

/** The passport service applies the revocations detectors order (distributed mode: from the revoke-commands topic). */
@Injectable()
export class RevokeCommandApplier implements OnApplicationBootstrap {
  constructor(private readonly revokeCommands: RevokeCommands) {}

  onApplicationBootstrap(): void {
    this.revokeCommands.consume();
  }
}

/** Tenants, keys, agents, passports and missions, verification and the kill switch. */
@Module({
  imports: [CqrsModule, IntentModule],
  controllers: [TenantsController, AgentsController, PassportsController, KillSwitchController, WellKnownController],
  providers: [
    PassportsService,
    KillSwitch,
    RevokeCommandApplier,
    CreateTenantHandler,
    CreateOperatorKeyHandler,
    RevokeOperatorKeyHandler,
    RegisterAgentHandler,
    UpdateAgentHandler,
    ...PASSPORT_HANDLERS,
  ],
})
export class PassportModule {}
