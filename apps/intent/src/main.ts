import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createMandateApp, listen, loadConfig, OpsController, PlatformModule } from '@mandate/platform';
import { IntentModule } from './intent.module';

@Module({ imports: [PlatformModule, IntentModule], controllers: [OpsController] })
class IntentServiceModule {}

/** The intent service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store. */
async function main() {
  const config = loadConfig();
  const app = await createMandateApp(IntentServiceModule, config);
  await listen(app, config, 'intent');
}

void main();
