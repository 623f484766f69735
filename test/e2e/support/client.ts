import { ADMIN_KEY, MandateServer } from './server';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  server: MandateServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* NDJSON, SSE or text: left as a string */
  }
  return { status: res.status, body, headers: res.headers };
}

/** A tenant with its admin key, one agent per mode asked for, and helpers for the usual steps of a mission. */
export async function newTenant(server: MandateServer, name = 'acme') {
  const created = await call(server, 'POST', '/v1/tenants', { token: ADMIN_KEY, body: { name } });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const adminKey: string = created.body.admin_key.key;
  const tenantId: string = created.body.tenant_id;
  return {
    tenantId,
    adminKey,
    async key(role: 'admin' | 'operator' | 'approver' | 'auditor') {
      const res = await call(server, 'POST', '/v1/keys', { token: adminKey, body: { name: `${role} key`, role } });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status}`);
      return res.body.key as string;
    },
    async agent(mode: 'standard' | 'logged' | 'enforced' = 'enforced', name = 'support-bot') {
      const res = await call(server, 'POST', '/v1/agents', { token: adminKey, body: { name, accountability_mode: mode } });
      if (res.status !== 201) throw new Error(`agent registration failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
    async passport(agentId: string, extra: Record<string, unknown> = {}) {
      const res = await call(server, 'POST', '/v1/passports', {
        token: adminKey,
        body: { agent_id: agentId, intent: { summary: 'triage support tickets', services: ['slack'] }, ...extra },
      });
      if (res.status !== 201) throw new Error(`passport issue failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { token: string; jti: string; mission_id: string; expires_at: string; position: number };
    },
    async audit(query = '') {
      const res = await call(server, 'GET', `/v1/audit${query}`, { token: adminKey });
      if (res.status !== 200) throw new Error(`audit query failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.entries as Array<Record<string, any>>;
    },
  };
}

export type Tenant = Awaited<ReturnType<typeof newTenant>>;
