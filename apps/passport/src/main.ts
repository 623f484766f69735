import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { PassportModule } from './passport.module';

// The passport service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store.
void runService('passport', PassportModule);
