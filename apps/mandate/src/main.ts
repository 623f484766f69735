import 'reflect-metadata';
import { createMandateApp, listen, loadConfig } from '@mandate/platform';
import { MandateModule } from './mandate.module';

async function main() {
  const config = loadConfig();
  const app = await createMandateApp(MandateModule, config);
  await listen(app, config, 'mandate');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
