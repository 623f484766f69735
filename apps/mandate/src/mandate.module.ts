import { Module } from '@nestjs/common';
import { Allow, OpsController, PlatformModule } from '@mandate/platform';
import { Controller, Get } from '@nestjs/common';
import { PassportModule } from '../../passport/src/passport.module';
import { IntentModule } from '../../intent/src/intent.module';
import { DetectorModule } from '../../detector/src/detector.module';
import { AuditModule } from '../../audit/src/audit.module';
import { OPENAPI } from './openapi';

@Controller()
class OpenApiController {
  @Get('openapi.json')
  @Allow('public')
  openapi() {
    return OPENAPI;
  }
}

/** Embedded mode: the four services in one process, on one durable store, with an in-process stream. */
@Module({
  imports: [PlatformModule, PassportModule, IntentModule, DetectorModule, AuditModule],
  controllers: [OpsController, OpenApiController],
})
export class MandateModule {}
