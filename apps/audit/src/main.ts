import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { AuditModule } from './audit.module';

// The audit service as its own process (distributed mode: MANDATE_STORE=postgres, MANDATE_STREAM=kafka; see README).
void runService('audit', AuditModule);
