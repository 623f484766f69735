import 'reflect-metadata';
import { buildOpenApiDocument, OpenApiController, runService, serveConsole } from '@mandate/platform';
import { API_VERSION } from './contract';
import { MandateModule } from './mandate.module';

// Embedded mode: the four services in one process, serving the contract generated from their routes and DTOs, and the
// operator console.
void runService('mandate', MandateModule, [OpenApiController], (app) => {
  OpenApiController.serve(buildOpenApiDocument(app, API_VERSION));
  serveConsole(app);
});
