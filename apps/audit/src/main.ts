import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createMandateApp, listen, loadConfig, OpsController, PlatformModule } from '@mandate/platform';
import { AuditModule } from './audit.module';

@Module({ imports: [PlatformModule, AuditModule], controllers: [OpsController] })
class AuditServiceModule {}

/** The audit service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store. */
async function main() {
  const config = loadConfig();
  const app = await createMandateApp(AuditServiceModule, config);
  await listen(app, config, 'audit');
}

void main();
