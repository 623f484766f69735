import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { AuditModule } from './audit.module';

// The audit service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store.
void runService('audit', AuditModule);
