import { call, Reply } from './client';
import { MandateProcess } from './server';

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
export function tallied(server: () => MandateProcess) {
  const answered: Array<{ request: string; status: number }> = [];
  const send = async (method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Reply> => {
    const reply = await call(server(), method, path, options);
    answered.push({ request: `${method} ${path}`, status: reply.status });
    return reply;
  };
  return { answered, send };
}
