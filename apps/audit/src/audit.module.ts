import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { RevocationStreamController } from './revocation-stream.controller';

/** Audit read models, query, export, tamper check, and the revocation feed. */
@Module({ controllers: [AuditController, RevocationStreamController] })
export class AuditModule {}
