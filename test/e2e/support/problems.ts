import { call, Reply } from './client';
import { MandateServer } from './server';

/**
 * RFC 9457 problem details with Mandate's stable code: the one error shape on every route. Status and code are checked
 * when given; the shape always.
 */
export function expectProblem(reply: Reply, status?: number, code?: string): void {
  if (status !== undefined) {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code: code ?? expect.stringMatching(/^[A-Za-z][A-Za-z_]+$/) });
  }
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(reply.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^https?:\/\/\S+$/),
      title: expect.stringMatching(/\S/),
      status: reply.status,
      code: expect.stringMatching(/^[A-Za-z][A-Za-z_]+$/),
      detail: expect.stringMatching(/\S/),
    }),
  );
}

/** A `send` that remembers every answer, for a suite's closing "never a 5xx" check. */
export function tallied(server: () => MandateServer) {
  const answered: Array<{ request: string; status: number }> = [];
  const send = async (method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Reply> => {
    const reply = await call(server(), method, path, options);
    answered.push({ request: `${method} ${path}`, status: reply.status });
    return reply;
  };
  return { answered, send };
}

/** What the audit shows of one event, as the bad-input suites compare it. */
export type AuditEntry = { position: number; event_id: string; type: string; jti: string | null; code: string | null; outcome: string; actor?: { kind: string; id: string } };

type Send = ReturnType<typeof tallied>['send'];

/** Probes of what the store holds, to prove a rejected request stored nothing. */
export function storeProbe(send: Send) {
  const head = async (): Promise<number> => {
    const ready = await send('GET', '/readyz');
    expect(ready.status).toBe(200);
    return ready.body.head as number;
  };
  /** Every audit entry of the tenant, once the audit holds at least `atLeast`. */
  const auditOf = async (tenant: { adminKey: string }, atLeast: number): Promise<AuditEntry[]> => {
    const entries: AuditEntry[] = [];
    for (let cursor = ''; ; ) {
      const page = await send('GET', `/v1/audit?limit=1000&wait_for_position=${atLeast}${cursor && `&cursor=${cursor}`}`, { token: tenant.adminKey });
      expect(page.status).toBe(200);
      entries.push(...page.body.entries);
      if (!page.body.next_cursor) return entries;
      cursor = page.body.next_cursor;
    }
  };
  return { head, auditOf };
}

/** A copy of `base` with the value at a dotted path replaced (or removed, for undefined). */
export function withValue(base: Record<string, any>, path: string, value: unknown): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(base));
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key];
  if (value === undefined) delete node[keys[keys.length - 1]];
  else node[keys[keys.length - 1]] = value;
  return copy;
}
