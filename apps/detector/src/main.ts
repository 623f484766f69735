import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { DetectorModule } from './detector.module';

// The detector service as its own process (distributed mode: MANDATE_STORE=postgres, MANDATE_STREAM=kafka; see README).
void runService('detector', DetectorModule);
