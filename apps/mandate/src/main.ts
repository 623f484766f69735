import 'reflect-metadata';
import { runService } from '@mandate/platform';
import { MandateModule, OpenApiController } from './mandate.module';

// Embedded mode: the four services in one process.
void runService('mandate', MandateModule, [OpenApiController]);
