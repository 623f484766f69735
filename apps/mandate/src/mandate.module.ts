import { Module } from '@nestjs/common';
import { PassportModule } from '../../passport/src/passport.module';
import { IntentModule } from '../../intent/src/intent.module';
import { DetectorModule } from '../../detector/src/detector.module';
import { AuditModule } from '../../audit/src/audit.module';

/** Embedded mode: the four services in one process, on one durable store, with an in-process stream. */
@Module({ imports: [PassportModule, IntentModule, DetectorModule, AuditModule] })
export class MandateModule {}
