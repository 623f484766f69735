// The contract for the front door (apps/gateway), which imports no service: generated after tsc from the same DTO
// classes and routes the embedded process describes at start-up (test/e2e/openapi.e2e.ts checks both are equal).
require('reflect-metadata');
const fs = require('fs');
const path = require('path');
const { generatedContract } = require('../dist/apps/mandate/src/contract');

generatedContract().then(
  (document) => {
    fs.writeFileSync(path.join(__dirname, '..', 'dist', 'openapi.json'), JSON.stringify(document, null, 2) + '\n');
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
