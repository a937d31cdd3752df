import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import { SyncStartService } from './sync-start.service.js';

/**
 * The route's `:connectionId` must be one of the caller's connections, else 404 NOT_FOUND: checked
 * before the Pro check (`@RequiresPro(OwnedConnectionGuard)`), so another user's connection answers
 * 404 whatever the caller's tier and says nothing about it.
 */
@Injectable()
export class OwnedConnectionGuard implements CanActivate {
  private readonly id = new ResourceIdPipe('Connection');

  constructor(private readonly syncs: SyncStartService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context
      .switchToHttp()
      .getRequest<{ user: AuthUser; params: Record<string, string | undefined> }>();
    await this.syncs.assertOwnedConnection(
      request.user,
      this.id.transform(request.params.connectionId ?? ''),
    );
    return true;
  }
}
