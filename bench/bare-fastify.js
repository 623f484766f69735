'use strict';
// The baseline of scenario 1's validated no-op: a bare Fastify server (the version Mandate runs on) with one POST
// route whose body schema is the one Mandate compiles from the verify route's DTO, answering what Mandate answers for
// a malformed token. Forked by the bench, it sends its port over IPC and runs until killed.

require('reflect-metadata');
const path = require('path');
const fastify = require('fastify');

const DIST = path.resolve(__dirname, '..', 'dist');
const { schemaOf } = require(path.join(DIST, 'libs', 'platform', 'src', 'contract', 'openapi.js'));
const { COMPILED_VALIDATION_AJV_OPTIONS } = require(path.join(DIST, 'libs', 'platform', 'src', 'compiled-validation.js'));
const { VerifyDto } = require(path.join(DIST, 'apps', 'passport', 'src', 'passports', 'verifying', 'verify-passport.dto.js'));

async function main() {
  // Ajv with the options Mandate's compiled validation uses, so both judge the body with the same generated code.
  const app = fastify({ logger: false, ajv: { customOptions: COMPILED_VALIDATION_AJV_OPTIONS } });
  app.post('/v1/passports/verify', { schema: { body: schemaOf(VerifyDto) } }, async () => ({ active: false, reason: 'invalid' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send({ port: app.server.address().port });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
