import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createMandateApp, listen, loadConfig, OpsController, PlatformModule } from '@mandate/platform';
import { PassportModule } from './passport.module';

@Module({ imports: [PlatformModule, PassportModule], controllers: [OpsController] })
class PassportServiceModule {}

/** The passport service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store. */
async function main() {
  const config = loadConfig();
  const app = await createMandateApp(PassportServiceModule, config);
  await listen(app, config, 'passport');
}

void main();
