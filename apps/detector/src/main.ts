import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createMandateApp, listen, loadConfig, OpsController, PlatformModule } from '@mandate/platform';
import { DetectorModule } from './detector.module';

@Module({ imports: [PlatformModule, DetectorModule], controllers: [OpsController] })
class DetectorServiceModule {}

/** The detector service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store. */
async function main() {
  const config = loadConfig();
  const app = await createMandateApp(DetectorServiceModule, config);
  await listen(app, config, 'detector');
}

void main();
