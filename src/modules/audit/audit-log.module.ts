import { Global, Module } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository.js';

/** The admin audit log, for every module with privileged actions. */
@Global()
@Module({ providers: [AuditLogRepository], exports: [AuditLogRepository] })
export class AuditLogModule {}
