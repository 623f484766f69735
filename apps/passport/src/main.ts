import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { PassportModule } from './passport.module';

// The passport service as its own process (distributed mode: MANDATE_STORE=postgres, MANDATE_STREAM=kafka; see README).
void runService('passport', PassportModule);
