import { TenantLimits } from '@mandate/tenancy';
import { limitsInForce, MandateConfig } from '@mandate/platform';

const wire = (limits: TenantLimits) => ({
  operator_key_requests_per_minute: limits.operatorKeyRequestsPerMinute,
  passport_requests_per_minute: limits.passportRequestsPerMinute,
  streams_per_key: limits.streamsPerKey,
  streams_per_tenant: limits.streamsPerTenant,
});

/** What a tenant admin sees: the limits in force, what the tenant set itself, and the instance's defaults and maxima. */
export function limitsView(own: TenantLimits, config: MandateConfig['limits']) {
  return {
    in_force: wire(limitsInForce(own, config)),
    tenant: wire(own),
    defaults: wire(config.defaults),
    maxima: wire(config.maxima),
    address_requests_per_minute: config.addressRequestsPerMinute,
  };
}
