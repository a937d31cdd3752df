import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { UserIdPipe } from '../../common/http/user-id.pipe.js';
import { EntitlementDto, SetEntitlementDto } from './dto/entitlement.dto.js';
import { EntitlementsService, type EffectiveEntitlement } from './entitlements.service.js';

const toDto = (e: EffectiveEntitlement): EntitlementDto => ({
  tier: e.tier,
  expiresAt: e.expiresAt?.toISOString() ?? null,
});

@ApiTags('entitlements')
@Controller('v1')
export class EntitlementsController {
  constructor(private readonly entitlements: EntitlementsService) {}

  @Put('admin/users/:userId/entitlement')
  @AdminOnly()
  @ApiDoc({
    summary: "Set a user's tier (admin)",
    description:
      'Admin; called by the billing system when a subscription starts, renews or ends. `PRO` with an optional ' +
      '`expiresAt` (after which the user reads FREE again), or `FREE`. The Pro check of historical syncs reads ' +
      'this store, never a claim in the token. Setting the same tier again is harmless.',
    errors: {
      VALIDATION_FAILED:
        'an unknown `tier`, an `expiresAt` that is not an RFC 3339 timestamp, or an invalid `userId`',
    },
  })
  @ApiOkResponse({ type: EntitlementDto, description: 'The user’s effective tier after the change' })
  async set(
    @CurrentUser() admin: AuthUser,
    @Param('userId', UserIdPipe) userId: string,
    @Body() body: SetEntitlementDto,
  ): Promise<EntitlementDto> {
    return toDto(await this.entitlements.setByAdmin(admin.userId, userId, body.tier, body.expiresAt));
  }

  @Get('me/entitlement')
  @ApiDoc({
    summary: "The caller's effective tier (users never written are FREE; an expired PRO is FREE)",
    description:
      'What the app checks before offering a historical sync: `PRO` lets `POST .../historical-syncs` through, ' +
      '`FREE` answers it with 403 PRO_REQUIRED and the upsell.',
  })
  @ApiOkResponse({ type: EntitlementDto, description: 'The caller’s tier now' })
  async mine(@CurrentUser() user: AuthUser): Promise<EntitlementDto> {
    return toDto(await this.entitlements.effective(user.userId));
  }
}
