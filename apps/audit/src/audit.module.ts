import { Module } from '@nestjs/common';
import { AuditExportRoute } from './exporting/audit-export.route';
import { AuditQueryRoute } from './querying/audit-query.route';
import { RevocationStreamRoute } from './revocation-feed/revocation-stream.route';
import { AuditVerifyRoute } from './verifying/audit-verify.route';

/** Audit read models, query, export, tamper check, and the revocation feed. */
@Module({ controllers: [AuditQueryRoute, AuditExportRoute, AuditVerifyRoute, RevocationStreamRoute] })
export class AuditModule {}
