import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { UserIdPipe } from '../../common/http/user-id.pipe.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { EntitlementDto, SetEntitlementDto } from './dto/entitlement.dto.js';
import { EntitlementsService, type EffectiveEntitlement } from './entitlements.service.js';

const toDto = (e: EffectiveEntitlement): EntitlementDto => ({
  tier: e.tier,
  expiresAt: e.expiresAt?.toISOString() ?? null,
});

@ApiTags('entitlements')
@Controller('v1')
export class EntitlementsController {
  constructor(
    private readonly entitlements: EntitlementsService,
    private readonly audit: AuditLogRepository,
  ) {}

  @Put('admin/users/:userId/entitlement')
  @AdminOnly()
  @ApiOperation({ summary: "Set a user's tier (admin)" })
  @ApiOkResponse({ type: EntitlementDto, description: 'The effective entitlement after the change' })
  @ApiProblems(401, 422)
  async set(
    @CurrentUser() admin: AuthUser,
    @Param('userId', UserIdPipe) userId: string,
    @Body() body: SetEntitlementDto,
  ): Promise<EntitlementDto> {
    const result = toDto(
      await this.entitlements.set(userId, body.tier, body.expiresAt ? new Date(body.expiresAt) : null),
    );
    await this.audit.write({
      adminId: admin.userId,
      action: 'entitlement.set',
      target: userId,
      details: { tier: body.tier, expiresAt: body.expiresAt ?? null },
    });
    return result;
  }

  @Get('me/entitlement')
  @ApiOperation({
    summary: "The caller's effective tier (users never written are FREE; an expired PRO is FREE)",
  })
  @ApiOkResponse({ type: EntitlementDto })
  @ApiProblems(401)
  async mine(@CurrentUser() user: AuthUser): Promise<EntitlementDto> {
    return toDto(await this.entitlements.effective(user.userId));
  }
}
