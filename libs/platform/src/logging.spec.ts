import { createLogger, maskSecrets, parseLogLevel, requestIdFor } from './logging';

const OPERATOR_KEY = 'mdt.acme.k1.Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXU';
const ADMIN_KEY = 'mdt_admin.c2VjcmV0LWFkbWluLWtleS1vZi10aGUtaW5zdGFuY2U';
const PASSPORT = 'eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJwMSJ9.c2lnbmF0dXJlLWJ5dGVz';

/** A logger at `level` writing into an array, one parsed entry per line. */
function capture(level: Parameters<typeof createLogger>[1] = 'debug') {
  const lines: string[] = [];
  const logger = createLogger('passport', level, { write: (line: string) => void lines.push(line) });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line)) };
}

describe('log lines', () => {
  it('given an entry, then it is one JSON line with the level by name, the message, the service and a time', () => {
    const { logger, entries } = capture();
    logger.info({ context: 'platform' }, 'listening');
    expect(entries()).toEqual([expect.objectContaining({ level: 'info', msg: 'listening', service: 'passport', context: 'platform', time: expect.any(String) })]);
  });

  it.each([
    ['warn', ['warn', 'error']],
    ['log', ['info', 'warn', 'error']],
  ] as const)('given LOG_LEVEL=%s, then only %j lines are written', (level, written) => {
    const { logger, entries } = capture(parseLogLevel(level));
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(entries().map((entry) => entry.level)).toEqual(written);
  });

  it('given LOG_LEVEL names no level, then the process refuses to start and says what to set', () => {
    expect(() => parseLogLevel('verbose')).toThrow(/LOG_LEVEL must be error, warn, log or debug/);
  });
});

describe('no secret in a log line', () => {
  it('given request headers with credentials, then the authorization header and cookies are blanked', () => {
    const { logger, lines, entries } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer opaque-credential', cookie: 'session=opaque-cookie', accept: 'application/json' } } }, 'request');
    expect(lines.join('')).not.toMatch(/opaque-credential|opaque-cookie/);
    expect(entries()[0].req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' });
  });

  it('given a field named token, at the top or one level down, then its value is blanked', () => {
    const { logger, lines } = capture();
    logger.info({ token: 'opaque-one', body: { token: 'opaque-two' } }, 'issued');
    expect(lines.join('')).not.toMatch(/opaque-one|opaque-two/);
  });

  it('given an operator key, an admin key and a passport in a message or an unlisted field, then each is masked', () => {
    const { logger, lines } = capture();
    logger.warn({ detail: `presented ${PASSPORT}` }, `refused ${OPERATOR_KEY} and ${ADMIN_KEY}`);
    logger.error(new Error(`could not use ${OPERATOR_KEY}`));
    const written = lines.join('');
    for (const secret of [OPERATOR_KEY, ADMIN_KEY, PASSPORT, 'Zm9vYmFy', 'c2VjcmV0']) expect(written).not.toContain(secret);
    // What is left still says which key it was.
    expect(written).toContain('mdt.acme.k1.[redacted]');
  });

  it('given a line with no secret shape, then it is written as it is', () => {
    const line = '{"level":"info","msg":"mdt tenants: 3, route /v1/passports/:jti/actions"}';
    expect(maskSecrets(line)).toBe(line);
  });
});

describe('request ids', () => {
  it.each(['req-42', '3f2a6c1e-8d7b-4e0a-9a43-6b1d2c3e4f50', 'trace:01HZX.7'])('given a plain id %s from the client, then it is kept', (id) => {
    expect(requestIdFor(id)).toBe(id);
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['a line break', 'req-1\n{"level":"error"}'],
    ['quotes and spaces', '"; drop'],
    ['empty', ''],
    ['repeated', ['a', 'b']],
    ['missing', undefined],
  ])('given an id that is %s, then a fresh one is made', (_, header) => {
    expect(requestIdFor(header)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
