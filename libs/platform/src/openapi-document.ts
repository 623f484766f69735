/**
 * The HTTP contract. Hand-written so it says what the routes mean; test/e2e/openapi.e2e.ts fails when a route exists
 * that this document does not describe, or the other way round.
 */
const problem = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
const json = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const body = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const errors = { '400': problem, '401': problem, '403': problem, '404': problem, '413': problem, '422': problem, '429': problem };
const operator = [{ operatorKey: [] }];
const passport = [{ passport: [] }];
const jtiParam = { name: 'jti', in: 'path', required: true, schema: { type: 'string', pattern: '^pp_' } };
const agentParam = { name: 'agentId', in: 'path', required: true, schema: { type: 'string', pattern: '^agt_' } };
const obj = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const str = (maxLength?: number) => ({ type: 'string', ...(maxLength ? { maxLength } : {}) });
const services = { type: 'array', maxItems: 50, items: { type: 'string', pattern: '^[a-z0-9][a-z0-9._:-]{0,63}$' } };
const toolCall = obj(
  { service: services.items, action: str(200), target: str(2000), outcome: { enum: ['success', 'failure', 'unknown'] }, approval_id: str(100) },
  ['service', 'action'],
);

const intentParam = { name: 'intentId', in: 'path', required: true, schema: { type: 'string', pattern: '^int_' } };
const amountSchema = obj({ value: { type: 'number', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } }, ['value', 'currency']);
const intentBody = obj(
  {
    named_intent: str(128), target: str(64), action: str(200),
    parameters: obj({ url: str(2048), method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] }, body: {} }, ['url', 'method']),
    amount: amountSchema, estimated_cost: { type: 'object' }, reason: str(1000), expires_in: { type: 'integer', minimum: 10, maximum: 3600, default: 300 },
  },
  ['named_intent', 'target', 'action', 'parameters', 'reason'],
);

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Mandate', version: '0.1.0', description: 'Missions, passports, revocation and audit for AI agents.' },
  components: {
    securitySchemes: {
      operatorKey: { type: 'http', scheme: 'bearer', description: 'an operator key (mdt.…) or the instance admin key' },
      passport: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
    schemas: {
      Problem: obj({ type: str(), title: str(), status: { type: 'integer' }, detail: str(), code: str(), instance: str() }, ['type', 'title', 'status', 'code']),
    },
  },
  paths: {
    '/v1/tenants': { post: { summary: 'Create a tenant and its first admin key (instance admin)', security: operator, requestBody: body(obj({ name: str(200) }, ['name'])), responses: { '201': json({ type: 'object' }), ...errors } } },
    '/v1/tenants/{tenantId}/disable': { post: { summary: "Disable a tenant (instance admin): its keys and passports are refused with TENANT_DISABLED, its event streams end", security: operator, parameters: [{ name: 'tenantId', in: 'path', required: true, schema: str() }], requestBody: body(obj({ reason: str(500) })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/tenants/{tenantId}/enable': { post: { summary: 'Enable a disabled tenant again (instance admin)', security: operator, parameters: [{ name: 'tenantId', in: 'path', required: true, schema: str() }], responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/limits': {
      get: { summary: "The tenant's rate and stream limits: in force, its own, the instance defaults and maxima", security: operator, responses: { '200': json({ type: 'object' }), ...errors } },
      put: { summary: "Replace the tenant's own limits (admin), each at most the instance maximum; an event", security: operator, requestBody: body(obj({ operator_key_requests_per_minute: { type: 'integer', minimum: 1 }, passport_requests_per_minute: { type: 'integer', minimum: 1 }, streams_per_key: { type: 'integer', minimum: 1 }, streams_per_tenant: { type: 'integer', minimum: 1 } })), responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/keys': {
      post: { summary: 'Create an operator key with a role; the key is shown once', security: operator, requestBody: body(obj({ name: str(200), role: { enum: ['admin', 'operator', 'approver', 'auditor'] } }, ['name', 'role'])), responses: { '201': json({ type: 'object' }), ...errors } },
      get: { summary: 'List operator keys (never the secrets)', security: operator, responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/keys/{keyId}/revoke': { post: { summary: 'Revoke an operator key', security: operator, parameters: [{ name: 'keyId', in: 'path', required: true, schema: str() }], requestBody: body(obj({ reason: str(500) })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/agents': {
      post: { summary: 'Register an agent', security: operator, requestBody: body(obj({ name: str(200), description: str(1000), accountability_mode: { enum: ['standard', 'logged', 'enforced'], default: 'enforced' } }, ['name'])), responses: { '201': json({ type: 'object' }), ...errors } },
      get: { summary: 'List agents (cursor pagination)', security: operator, parameters: [{ name: 'cursor', in: 'query', schema: str() }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }], responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/agents/{agentId}': {
      get: { summary: 'Get an agent', security: operator, parameters: [agentParam], responses: { '200': json({ type: 'object' }), ...errors } },
      patch: { summary: 'Change accountability mode, suspend (revokes its passports) or reinstate', security: operator, parameters: [agentParam], requestBody: body(obj({ accountability_mode: { enum: ['standard', 'logged', 'enforced'] }, status: { enum: ['active', 'suspended'] }, reason: str(500) })), responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/agents/{agentId}/revoke': { post: { summary: 'Kill switch: revoke every passport of an agent', security: operator, parameters: [agentParam], requestBody: body(obj({ reason: str(500) })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/revocations/all': { post: { summary: 'Kill switch: revoke every passport of the tenant (admin)', security: operator, requestBody: body(obj({ reason: str(500) }, ['reason'])), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/revocations/stream': { get: { summary: 'Revocations as Server-Sent Events, resumable with Last-Event-ID', security: operator, parameters: [{ name: 'Last-Event-ID', in: 'header', schema: str() }, { name: 'last_event_id', in: 'query', schema: str() }], responses: { '200': { description: 'text/event-stream of `revocation` events', content: { 'text/event-stream': {} } }, ...errors } } },
    '/v1/passports': {
      post: {
        summary: 'Open a mission and issue its passport',
        security: operator,
        parameters: [{ name: 'Idempotency-Key', in: 'header', schema: str(200) }],
        requestBody: body(obj({ agent_id: str(), ttl_seconds: { type: 'integer', minimum: 60, maximum: 3600, default: 900 }, checkpoint_interval_seconds: { type: 'integer', minimum: 60, maximum: 3600, default: 300 }, intent: obj({ summary: str(500), services }), idempotency_key: str(200) }, ['agent_id'])),
        responses: { '201': json({ type: 'object' }, 'issued'), '200': json({ type: 'object' }, 'the same passport, for a retried idempotency key'), '409': problem, ...errors },
      },
    },
    '/v1/passports/verify': { post: { summary: 'Introspection: is this token active now', requestBody: body(obj({ token: str(8192) }, ['token'])), responses: { '200': json(obj({ active: { type: 'boolean' }, reason: { enum: ['revoked', 'checked_out', 'expired', 'invalid', 'unknown', 'tenant_disabled'] }, claims: { type: 'object' } }, ['active'])), ...errors } } },
    '/v1/passports/{jti}': { get: { summary: 'One passport and its mission', security: operator, parameters: [jtiParam], responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/passports/{jti}/checkpoint': { post: { summary: 'Checkpoint; in enforced mode returns a refreshed token', security: passport, parameters: [jtiParam], requestBody: body(obj({ services_used: services, actions_count: { type: 'integer', minimum: 0 }, summary: str(1000) })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/passports/{jti}/actions': { post: { summary: 'Log one tool call, or a batch in `calls` (at most 1000)', security: passport, parameters: [jtiParam], requestBody: body({ oneOf: [toolCall, obj({ calls: { type: 'array', minItems: 1, maxItems: 1000, items: toolCall } }, ['calls'])] }), responses: { '201': json({ type: 'object' }), ...errors } } },
    '/v1/passports/{jti}/checkout': { post: { summary: 'End the mission', security: passport, parameters: [jtiParam], requestBody: body(obj({ summary: str(1000), outcome: { enum: ['success', 'failure'] } }, ['outcome'])), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/passports/{jti}/revoke': { post: { summary: 'Kill switch: revoke one passport', security: operator, parameters: [jtiParam], requestBody: body(obj({ reason: str(500) })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/intents': {
      post: { summary: 'Submit an intent (RFC 9396 authorization_details) before a risky call; policy decides', security: passport, requestBody: body(intentBody), responses: { '201': json({ type: 'object' }), ...errors } },
      get: { summary: 'The approval queue (status=pending by default)', security: operator, parameters: ['status', 'cursor', 'limit'].map((name) => ({ name, in: 'query', schema: str() })), responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/intents/simulate': { post: { summary: 'What policy would decide, with no state change', security: passport, requestBody: body(intentBody), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/intents/{intentId}': { get: { summary: 'One intent; wait=N long-polls up to N seconds (≤ 60) for a decision', security: [...passport, ...operator], parameters: [intentParam, { name: 'wait', in: 'query', schema: { type: 'integer', maximum: 60 } }], responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/intents/{intentId}/approve': { post: { summary: 'Approve (approver or admin key; quorum counts distinct approvers)', security: operator, parameters: [intentParam], requestBody: body(obj({ note: str(1000) })), responses: { '200': json({ type: 'object' }), '409': problem, ...errors } } },
    '/v1/intents/{intentId}/reject': { post: { summary: 'Reject; in enforced mode the submitting passport is revoked', security: operator, parameters: [intentParam], requestBody: body(obj({ note: str(1000) })), responses: { '200': json({ type: 'object' }), '409': problem, ...errors } } },
    '/v1/intents/{intentId}/consume': { post: { summary: 'The gate: use the approval once, for exactly the approved call (403 gate_reason call_mismatch, 409 APPROVAL_CONSUMED)', security: passport, parameters: [intentParam], requestBody: body(obj({ service: str(64), method: str(), url: str(2048), body: {}, amount: amountSchema }, ['service', 'method', 'url'])), responses: { '200': json({ type: 'object' }), '409': problem, ...errors } } },
    '/v1/policies/intents': {
      get: { summary: "The tenant's intent policy", security: operator, responses: { '200': json({ type: 'object' }), ...errors } },
      put: { summary: 'Replace the intent policy (admin); rules match named_intent, service, method and amount', security: operator, requestBody: body({ type: 'object' }), responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/security-events': { get: { summary: 'Findings, with filters (signal, severity, agent_id, jti, status) and cursor', security: operator, parameters: ['signal', 'severity', 'agent_id', 'jti', 'status', 'cursor', 'limit', 'wait_for_position'].map((name) => ({ name, in: 'query', schema: str() })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/security-events/stream': { get: { summary: 'Findings raised to operators, as Server-Sent Events, resumable with Last-Event-ID', security: operator, parameters: [{ name: 'Last-Event-ID', in: 'header', schema: str() }, { name: 'last_event_id', in: 'query', schema: str() }], responses: { '200': { description: 'text/event-stream of `security_event` events', content: { 'text/event-stream': {} } }, ...errors } } },
    '/v1/security-events/{id}': { get: { summary: 'One finding', security: operator, parameters: [{ name: 'id', in: 'path', required: true, schema: str() }], responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/security-events/{id}/resolve': { post: { summary: 'Acknowledge a finding with a note (an event)', security: operator, parameters: [{ name: 'id', in: 'path', required: true, schema: str() }], requestBody: body(obj({ note: str(1000) }, ['note'])), responses: { '200': json({ type: 'object' }), '409': problem, ...errors } } },
    '/v1/detectors/settings': {
      get: { summary: "The tenant's detector thresholds and, per signal, observe | flag | revoke", security: operator, responses: { '200': json({ type: 'object' }), ...errors } },
      put: { summary: 'Replace the detector settings (admin); an event', security: operator, requestBody: body({ type: 'object' }), responses: { '200': json({ type: 'object' }), ...errors } },
    },
    '/v1/admin/replay': { post: { summary: 'Rebuild every detector from history and compare with the live findings and revocations (instance admin)', security: operator, responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/audit': { get: { summary: 'Query the audit trail', security: operator, parameters: ['agent_id', 'jti', 'mission_id', 'type', 'from', 'to', 'cursor', 'limit', 'wait_for_position'].map((name) => ({ name, in: 'query', schema: str() })), responses: { '200': json({ type: 'object' }), ...errors } } },
    '/v1/audit/export': { get: { summary: 'Every raw event of the tenant as NDJSON, with chain links', security: operator, parameters: [{ name: 'after_position', in: 'query', schema: str() }], responses: { '200': { description: 'NDJSON', content: { 'application/x-ndjson': {} } }, ...errors } } },
    '/v1/audit/verify': { get: { summary: 'Recompute the tenant hash chain', security: operator, responses: { '200': json(obj({ ok: { type: 'boolean' }, checked: { type: 'integer' }, first_break: { type: ['object', 'null'] } })), ...errors } } },
    '/.well-known/jwks.json': { get: { summary: 'Passport verification keys (RFC 7517)', responses: { '200': json({ type: 'object' }) } } },
    '/.well-known/openid-configuration': { get: { summary: 'OIDC discovery', responses: { '200': json({ type: 'object' }) } } },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }) } } },
    '/healthz': { get: { summary: 'Liveness', responses: { '200': json({ type: 'object' }) } } },
    '/readyz': { get: { summary: 'Readiness: read models caught up', responses: { '200': json({ type: 'object' }), '503': problem } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text' } } } },
  },
};
