import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AgentsRoute } from './agents/reading/agents.route';
import { RegisterAgentHandler } from './agents/registering/register-agent.handler';
import { RegisterAgentRoute } from './agents/registering/register-agent.route';
import { RevokeAgentPassportsHandler } from './agents/revoking/revoke-agent.handler';
import { RevokeAgentRoute } from './agents/revoking/revoke-agent.route';
import { UpdateAgentHandler } from './agents/updating/update-agent.handler';
import { UpdateAgentRoute } from './agents/updating/update-agent.route';
import { CreateOperatorKeyHandler } from './keys/creating/create-key.handler';
import { CreateKeyRoute } from './keys/creating/create-key.route';
import { ListKeysRoute } from './keys/listing/list-keys.route';
import { RevokeOperatorKeyHandler } from './keys/revoking/revoke-key.handler';
import { RevokeKeyRoute } from './keys/revoking/revoke-key.route';
import { CheckOutHandler } from './passports/checking-out/check-out.handler';
import { CheckOutRoute } from './passports/checking-out/check-out.route';
import { RecordCheckpointHandler } from './passports/checkpointing/record-checkpoint.handler';
import { RecordCheckpointRoute } from './passports/checkpointing/record-checkpoint.route';
import { IssuePassportHandler } from './passports/issuing/issue-passport.handler';
import { IssuePassportRoute } from './passports/issuing/issue-passport.route';
import { LogToolCallsHandler } from './passports/logging-tool-calls/log-tool-calls.handler';
import { LogToolCallsRoute } from './passports/logging-tool-calls/log-tool-calls.route';
import { ReadPassportRoute } from './passports/reading/read-passport.route';
import { RevokePassportHandler } from './passports/revoking/revoke-passport.handler';
import { RevokePassportRoute } from './passports/revoking/revoke-passport.route';
import { VerifyPassportHandler } from './passports/verifying/verify-passport.handler';
import { VerifyPassportRoute } from './passports/verifying/verify-passport.route';
import { RevokeCommandApplier } from './revoke-command-applier';
import { RevokeTenantPassportsHandler } from './revocations/revoking-tenant/revoke-tenant.handler';
import { RevokeTenantRoute } from './revocations/revoking-tenant/revoke-tenant.route';
import { CreateTenantHandler } from './tenants/creating/create-tenant.handler';
import { CreateTenantRoute } from './tenants/creating/create-tenant.route';
import { WellKnownController } from './well-known/well-known.controller';
import { RotateSigningKeyRoute } from './signing-keys/rotating/rotate-signing-key.route';
import { SigningKeysRoute } from './signing-keys/listing/signing-keys.route';
import { DisableTenantHandler, EnableTenantHandler } from './tenants/disabling/disable-tenant.handler';
import { DisableTenantRoute } from './tenants/disabling/disable-tenant.route';
import { ChangeTenantLimitsHandler } from './limits/change-limits.handler';
import { LimitsRoute } from './limits/limits.route';
import { ProxyModule } from './proxy/proxy.module';
import { TenantSettingsRoute } from './tenants/settings/tenant-settings.route';
import { EnrollmentRoutes } from './agents/enrolling/enrollment.routes';
import { AgentKeysRoutes } from './agents/keys/agent-keys.routes';
import { ServicesModule } from './services/services.module';
import { ListMissionsRoute } from './passports/listing/list-missions.route';

/** Tenants, keys, agents, passports and missions, verification, the kill switch and signing keys, each use case in its folder. */
@Module({
  imports: [CqrsModule, ServicesModule, ProxyModule],
  controllers: [
    CreateTenantRoute,
    DisableTenantRoute,
    LimitsRoute,
    TenantSettingsRoute,
    CreateKeyRoute,
    ListKeysRoute,
    RevokeKeyRoute,
    RegisterAgentRoute,
    AgentsRoute,
    UpdateAgentRoute,
    RevokeAgentRoute,
    EnrollmentRoutes,
    AgentKeysRoutes,
    IssuePassportRoute,
    VerifyPassportRoute,
    ReadPassportRoute,
    ListMissionsRoute,
    RecordCheckpointRoute,
    LogToolCallsRoute,
    CheckOutRoute,
    RevokePassportRoute,
    RevokeTenantRoute,
    WellKnownController,
    SigningKeysRoute,
    RotateSigningKeyRoute,
  ],
  providers: [
    RevokeCommandApplier,
    CreateTenantHandler,
    DisableTenantHandler,
    EnableTenantHandler,
    ChangeTenantLimitsHandler,
    CreateOperatorKeyHandler,
    RevokeOperatorKeyHandler,
    RegisterAgentHandler,
    UpdateAgentHandler,
    RevokeAgentPassportsHandler,
    IssuePassportHandler,
    VerifyPassportHandler,
    RecordCheckpointHandler,
    LogToolCallsHandler,
    CheckOutHandler,
    RevokePassportHandler,
    RevokeTenantPassportsHandler,
  ],
})
export class PassportModule {}
