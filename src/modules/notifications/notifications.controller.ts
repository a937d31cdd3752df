import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { notFound } from '../../common/errors/problem.exception.js';
import { ApiDoc } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe.js';
import {
  DeviceDto,
  ListNotificationsQueryDto,
  NotificationListDto,
  RegisterDeviceDto,
} from './dto/notification.dto.js';
import { DevicesService } from './devices.service.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@Controller('v1')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly devices: DevicesService,
  ) {}

  @Post('devices')
  @ApiDoc({
    summary: 'Register a device for push notifications (the same token again is the same device)',
    description:
      'The app calls it at start with its FCM registration token, before starting a sync, so the ' +
      'completion notice (N-05 complete, N-06 finished with errors) reaches it. Registering the same token ' +
      'again answers 200 with the same device.',
    errors: {
      VALIDATION_FAILED: 'an unknown `platform`, or a missing or over-long `token`',
      DEVICE_LIMIT_REACHED:
        'the user already has as many devices as MAX_DEVICES_PER_USER allows; delete one first',
    },
  })
  @ApiCreatedResponse({ type: DeviceDto, description: 'Registered' })
  @ApiOkResponse({ type: DeviceDto, description: 'The token was already registered' })
  async register(
    @CurrentUser() user: AuthUser,
    @Body() body: RegisterDeviceDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeviceDto> {
    const { device, created } = await this.devices.register(user.userId, body.platform, body.token);
    res.status(created ? 201 : 200);
    return { id: device.id, platform: device.platform, createdAt: device.created_at.toISOString() };
  }

  @Delete('devices/:id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Unregister a device',
    description: 'At sign-out or when the app’s token changes: the device gets no more notifications.',
    errors: { NOT_FOUND: 'no device with this id, or it is another user’s' },
  })
  @ApiNoContentResponse({ description: 'Unregistered' })
  async unregister(
    @CurrentUser() user: AuthUser,
    @Param('id', new ResourceIdPipe('Device')) id: string,
  ): Promise<void> {
    if (!(await this.devices.unregister(user.userId, id))) throw notFound('Device');
  }

  @Get('notifications')
  @ApiDoc({
    summary: 'The caller’s sent notifications (N-05 / N-06), newest first, with their deliveries',
    description:
      'One notification per finished historical sync (exactly one, whatever was retried): N-05 when it ' +
      'COMPLETED, N-06 when it ended COMPLETED_WITH_ERRORS or FAILED, with the push delivery status on each ' +
      'registered device. An in-app inbox, or a check that the push went out.',
    errors: { VALIDATION_FAILED: 'a `limit` outside 1–100, or a malformed `cursor`' },
  })
  @ApiOkResponse({ type: NotificationListDto, description: 'One page of notifications, newest first' })
  list(
    @CurrentUser() user: AuthUser,
    @Query() query: ListNotificationsQueryDto,
  ): Promise<NotificationListDto> {
    return this.notifications.list(user, query);
  }
}
