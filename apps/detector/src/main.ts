import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { DetectorModule } from './detector.module';

// The detector service on its own. Until the distributed adapters land (issue #5) it runs on the embedded store.
void runService('detector', DetectorModule);
