import { createHash } from 'crypto';
import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { canonicalJson, DomainError, newId, RecordedEvent } from '@mandate/core';
import { evaluateCallPolicy, policyDecider, policyStream } from '@mandate/intents';
import { missionDecider, missionStream, ObservedCall, ObservedOutcome } from '@mandate/missions';
import {
  checkTarget,
  denyingRule,
  hostKey,
  injectCredential,
  maskingPatternsOf,
  proxySettingsDecider,
  proxySettingsStream,
  scrub,
  secretForms,
  UpstreamClient,
  UpstreamPolicy,
  UpstreamResponse,
  withQuery,
} from '@mandate/proxy';
import { ApprovalGate, CallCredential, Credentials, Decisions, idempotentId, MANDATE_CONFIG, MandateConfig, passportOf, Principal, PassportPrincipal, requestFingerprint } from '@mandate/platform';
import { ProxyCallDto } from './proxy-call.dto';
import { ProxyMetrics } from '../proxy-metrics';
import { bodyCapture, requestBodyOf, responseBodyView } from './proxy-bodies';

export class ProxyCall {
  constructor(readonly principal: Principal, readonly body: ProxyCallDto, readonly idempotencyKey: string | null = null) {}
}

type Refusal = { code: string; detail: string };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The credential proxy. In order: the passport is usable and the service is in its mission (the mission decides), the
 * URL's scheme and host are the service's, no deny rule of the tenant matches, and the tenant's policy lets the call
 * through (with the approval it names, spent at the gate in the same commit as the start of the call). Then the
 * credential is injected, the call forwarded, and its answer scrubbed. The start is stored before anything leaves
 * Mandate, and the end after the answer came: a call whose end never came (the process died) reads as outcome unknown.
 */
@CommandHandler(ProxyCall)
export class ProxyCallHandler implements ICommandHandler<ProxyCall> {
  private readonly logger = new Logger('proxy');

  constructor(
    private readonly decisions: Decisions,
    private readonly gate: ApprovalGate,
    private readonly credentials: Credentials,
    private readonly upstream: UpstreamClient,
    private readonly metrics: ProxyMetrics,
    @Inject(MANDATE_CONFIG) private readonly config: MandateConfig,
  ) {}

  async execute({ principal, body, idempotencyKey }: ProxyCall) {
    const passport = passportOf(principal);
    const tenantId = passport.claims.tid;
    const method = body.method.toUpperCase();
    const url = parsedUrl(body.url);
    const requestBody = requestBodyOf(body);
    const repository = this.decisions.repository;
    const [credential, { settings }, { policy }] = await Promise.all([
      this.credentials.forCall(tenantId, body.service),
      repository.load(proxySettingsDecider, proxySettingsStream(tenantId)).then((r) => r.state),
      repository.load(policyDecider, policyStream(tenantId)).then((r) => r.state),
    ]);
    const call: ObservedCall = {
      // With an idempotency key the call's id derives from it, so the mission knows a retry when it sees one.
      callId: idempotencyKey ? idempotentId('pc', tenantId, passport.claims.jti, idempotencyKey) : newId('pc'),
      service: body.service,
      method,
      host: hostKey(url.hostname),
      path: url.pathname,
      ...(body.approval_id ? { approvalId: body.approval_id } : {}),
    };
    const refusal = this.refusalOf(credential, body, call, settings.deny_rules, evaluateCallPolicy(policy, { service: body.service, method }));
    const start = {
      type: 'StartProxiedCall' as const,
      call: { ...call, requestBytes: requestBody.bytes.length, requestDigest: sha256(requestBody.bytes) },
      refusal,
      ...(idempotencyKey ? { requestFingerprint: requestFingerprint(canonicalJson(body)) } : {}),
    };
    // The gate judges the request as it will go out: the `query` parameters are part of the approved URL.
    const gated = { service: body.service, method, url: withQuery(url, body.query).toString(), body: body.body };
    const started = body.approval_id
      ? (await this.gate.pass(passport, { approvalId: body.approval_id, request: gated }, start)).mission
      : await this.decisions.usePassport(principal, start);
    const refused = started.events.find((e): e is RecordedEvent<'ProxiedCallRefused', Refusal> => e.type === 'ProxiedCallRefused');
    if (refused) {
      this.metrics.refused(refused.data.code);
      throw new DomainError(refused.data.code, refused.data.detail, { call_id: call.callId, position: started.position });
    }
    // The mission accepted the call, so the pre-checks found a credential.
    const { secret, presentation } = credential!;
    const request = injectCredential({ method, url: body.url, headers: { ...requestBody.headers, ...body.headers }, query: body.query, body: requestBody.bytes }, presentation, secret.value);
    const forms = secretForms(presentation, secret.value);
    const patterns = maskingPatternsOf(settings);
    let response: UpstreamResponse | null = null;
    let failure: DomainError | null = null;
    try {
      response = await this.upstream.forward(request, this.policyFor(credential!));
    } catch (error) {
      failure = error instanceof DomainError ? error : new DomainError('UPSTREAM_UNREACHABLE', `${call.host} could not be reached`);
    }
    const scrubbed = response ? scrub(response, forms, patterns) : null;
    const outcome: ObservedOutcome = scrubbed
      ? {
          outcome: scrubbed.response.status < 400 ? 'success' : 'failure',
          status: scrubbed.response.status,
          code: null,
          latencyMs: Math.round(scrubbed.response.latencyMs),
          responseBytes: scrubbed.response.body.length,
          responseDigest: sha256(scrubbed.response.body),
          masked: scrubbed.masked,
          ...(settings.capture_bodies ? { captured: bodyCapture(requestBody.bytes, scrubbed.response, forms, patterns, settings.capture_limit_bytes) } : {}),
        }
      : { outcome: 'error', status: null, code: failure!.code, latencyMs: 0, responseBytes: 0, responseDigest: null, masked: 0 };
    const ended = await this.end(passport, call, outcome);
    this.metrics.ended(outcome);
    if (failure) throw new DomainError(failure.code, failure.message, { ...failure.extensions, call_id: call.callId, ...(ended ? { position: ended } : {}) });
    const answer = scrubbed!.response;
    return {
      call_id: call.callId,
      status: answer.status,
      headers: answer.headers,
      ...responseBodyView(answer),
      masked: scrubbed!.masked,
      latency_ms: outcome.latencyMs,
      position: ended ?? started.position,
    };
  }

  /** The checks that need the tenant's configuration, in the order; the mission adds its own before them. */
  private refusalOf(
    credential: CallCredential | null,
    body: ProxyCallDto,
    call: ObservedCall,
    denyRules: Parameters<typeof denyingRule>[0],
    verdict: ReturnType<typeof evaluateCallPolicy>,
  ): Refusal | null {
    if (!credential) return { code: 'SERVICE_NOT_FOUND', detail: `the service "${body.service}" is not registered for this tenant` };
    try {
      checkTarget({ url: body.url, query: body.query }, { allowedHosts: credential.hosts, internalHosts: credential.internalHosts });
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'VALIDATION_FAILED') return { code: error.code, detail: error.message };
      throw error;
    }
    const rule = denyingRule(denyRules, call);
    if (rule) return { code: 'PROXY_DENIED_BY_RULE', detail: `the tenant's deny rule "${rule.name}" matches ${call.method} ${call.host}${call.path}` };
    if (verdict?.decision === 'deny') return { code: 'PROXY_DENIED_BY_POLICY', detail: `the intent policy denies this call (${verdict.reason})` };
    if (verdict?.decision === 'require_approval' && !body.approval_id) {
      return { code: 'APPROVAL_REQUIRED', detail: `the intent policy requires an approval for this call (${verdict.reason}): submit an intent, then send its approval_id` };
    }
    return null;
  }

  private policyFor(credential: CallCredential): UpstreamPolicy {
    const { proxy } = this.config;
    return {
      allowedHosts: credential.hosts,
      internalHosts: credential.internalHosts,
      connectTimeoutMs: proxy.connectTimeoutMs,
      headersTimeoutMs: proxy.headersTimeoutMs,
      bodyTimeoutMs: proxy.bodyTimeoutMs,
      maxResponseBytes: proxy.maxResponseBytes,
      ...(proxy.caPem ? { ca: proxy.caPem } : {}),
    };
  }

  /**
   * The end of a started call, whatever became of the passport meanwhile. If it cannot be stored, the agent still
   * gets the answer (the call was made, and its start is on record): the call then reads as outcome unknown.
   */
  private async end(passport: PassportPrincipal, call: ObservedCall, outcome: ObservedOutcome): Promise<number | null> {
    try {
      const decision = this.decisions.by(passport, passport.claims.tid);
      const { position } = await decision.execute(missionDecider, missionStream(passport.claims.mission_id), { type: 'EndProxiedCall', call, outcome, now: decision.context.now });
      return position;
    } catch (error) {
      this.logger.warn(`proxied call ${call.callId} (${call.method} ${call.host}${call.path}) ended but its end was not stored: ${(error as Error).message}`);
      return null;
    }
  }
}

function parsedUrl(raw: string): URL {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // answered below
  }
  throw new DomainError('VALIDATION_FAILED', 'url must be an absolute http(s) URL (https://host/path)', { errors: [{ field: 'url', problems: ['must be an absolute http(s) URL'] }] });
}
