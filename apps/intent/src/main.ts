import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { IntentModule } from './intent.module';

// The intent service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store.
void runService('intent', IntentModule);
