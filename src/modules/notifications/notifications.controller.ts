import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../common/auth/auth.types.js';
import { CurrentUser } from '../../common/auth/current-user.decorator.js';
import { notFound } from '../../common/errors/problem.exception.js';
import { ApiProblems } from '../../common/http/api-problems.decorator.js';
import { ResourceIdPipe } from '../../common/http/uuid.pipe.js';
import {
  DeviceDto,
  ListNotificationsQueryDto,
  NotificationListDto,
  RegisterDeviceDto,
} from './dto/notification.dto.js';
import { DevicesService } from './devices.service.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@Controller('v1')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly repository: NotificationsRepository,
    private readonly devices: DevicesService,
  ) {}

  @Post('devices')
  @ApiOperation({
    summary: 'Register a device for push notifications (the same token again is the same device)',
  })
  @ApiCreatedResponse({ type: DeviceDto })
  @ApiOkResponse({ type: DeviceDto, description: 'The token was already registered' })
  @ApiProblems(401, 409, 422)
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
  @ApiOperation({ summary: 'Unregister a device' })
  @ApiNoContentResponse()
  @ApiProblems(401, 404)
  async unregister(
    @CurrentUser() user: AuthUser,
    @Param('id', new ResourceIdPipe('Device')) id: string,
  ): Promise<void> {
    if (!(await this.repository.deleteDevice(id, user.userId))) throw notFound('Device');
  }

  @Get('notifications')
  @ApiOperation({
    summary: 'The caller’s sent notifications (N-05 / N-06), newest first, with their deliveries',
  })
  @ApiOkResponse({ type: NotificationListDto })
  @ApiProblems(401, 422)
  list(
    @CurrentUser() user: AuthUser,
    @Query() query: ListNotificationsQueryDto,
  ): Promise<NotificationListDto> {
    return this.notifications.list(user, query);
  }
}
