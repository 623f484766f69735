import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { IntentModule } from './intent.module';

// The intent service as its own process (distributed mode: MANDATE_STORE=postgres, MANDATE_STREAM=kafka; see README).
void runService('intent', IntentModule);
