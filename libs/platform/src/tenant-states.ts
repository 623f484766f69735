import { Inject, Injectable } from '@nestjs/common';
import { LIMIT_NAMES, TenantLimits, tenantDecider, tenantStream } from '@mandate/tenancy';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { MANDATE_CONFIG, MandateConfig } from './config';
import { AggregateRepository } from './repository';

/** What the hot path needs of a tenant: whether it is disabled, and the limits in force for it. */
export interface TenantFacts {
  disabled: boolean;
  /** Every passport must be bound to an agent key: bearer ones are refused. */
  boundPassportsRequired: boolean;
  limits: Required<TenantLimits>;
}

/** A tenant's own settings over the instance defaults, never above the instance's current maxima. */
export function limitsInForce(own: TenantLimits, config: MandateConfig['limits']): Required<TenantLimits> {
  const merged = { ...config.defaults };
  for (const name of LIMIT_NAMES) merged[name] = Math.min(own[name] ?? config.defaults[name], config.maxima[name]);
  return merged;
}

/**
 * Each tenant's facts, loaded from its stream once per process and forgotten when a tenant event passes on the event
 * stream this process already follows (from Kafka in distributed mode), so that every request does not read the store.
 */
@Injectable()
export class TenantStates {
  private readonly loaded = new Map<string, Promise<TenantFacts>>();

  constructor(
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) readModels: ReadModels,
    @Inject(MANDATE_CONFIG) private readonly config: MandateConfig,
  ) {
    readModels.onTenantChanges((changes) => changes.forEach((change) => this.forget(change.tenantId)));
  }

  facts(tenantId: string): Promise<TenantFacts> {
    let facts = this.loaded.get(tenantId);
    if (!facts) {
      facts = this.load(tenantId);
      this.loaded.set(tenantId, facts);
      // A failed read is not remembered: the next request tries again.
      facts.catch(() => this.loaded.get(tenantId) === facts && this.loaded.delete(tenantId));
    }
    return facts;
  }

  /** The process that wrote a tenant event need not wait for the stream to bring it back. */
  forget(tenantId: string): void {
    this.loaded.delete(tenantId);
  }

  private async load(tenantId: string): Promise<TenantFacts> {
    const { state } = await this.repository.load(tenantDecider, tenantStream(tenantId));
    if (state.status !== 'active') return { disabled: false, boundPassportsRequired: false, limits: limitsInForce({}, this.config.limits) };
    return { disabled: state.disabled, boundPassportsRequired: state.boundPassportsRequired, limits: limitsInForce(state.limits, this.config.limits) };
  }
}
