import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { DevicePlatform } from '../../../database/schema.js';

export const PLATFORMS: DevicePlatform[] = ['android', 'ios', 'web'];

export class RegisterDeviceDto {
  @ApiProperty({ example: 'android', enum: PLATFORMS })
  @IsIn(PLATFORMS, { message: `platform must be one of ${PLATFORMS.join(', ')}` })
  platform!: DevicePlatform;

  @ApiProperty({
    example: 'fcm-token-of-alices-phone',
    description: 'The FCM registration token of the app install',
  })
  @IsString()
  @Length(1, 4096)
  token!: string;
}

export class DeviceDto {
  @ApiProperty({ example: '20683aac-d533-486f-8357-859a2920bab8', format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'android', enum: PLATFORMS })
  platform!: DevicePlatform;

  @ApiProperty({ example: '2026-12-02T03:31:21.574Z', format: 'date-time' })
  createdAt!: string;
}

export class DeliveryDto {
  @ApiProperty({ example: '20683aac-d533-486f-8357-859a2920bab8', format: 'uuid' })
  deviceId!: string;

  @ApiProperty({
    example: 'SENT',
    enum: ['PENDING', 'SENDING', 'SENT', 'UNCONFIRMED', 'FAILED', 'INVALID_TOKEN'],
  })
  status!: string;
}

export class NotificationDto {
  @ApiProperty({ example: '9e2b4f61-0c3a-4d7e-b5a8-71f0c2d3e4a5', format: 'uuid' })
  id!: string;

  @ApiProperty({
    example: 'N-05',
    enum: ['N-05', 'N-06', 'N-07'],
    description: 'N-05 sync complete, N-06 finished with errors, N-07 reconnect a provider (revoked grant)',
  })
  code!: string;

  @ApiProperty({
    example: '6179a1ec-9d9c-45dc-ac8d-05a45ecce1fa',
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'N-05/N-06: the sync; null for N-07',
  })
  orchestrationId!: string | null;

  @ApiProperty({
    example: null,
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'N-07: the connection to reconnect; null for N-05/N-06',
  })
  connectionId!: string | null;

  @ApiProperty({ example: 'SyncWell' })
  title!: string;

  @ApiProperty({ example: 'Your historical sync is complete.' })
  body!: string;

  @ApiProperty({ example: '2026-12-02T03:32:41.120Z', format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: [DeliveryDto] })
  deliveries!: DeliveryDto[];
}

export class NotificationListDto {
  @ApiProperty({ type: [NotificationDto] })
  items!: NotificationDto[];

  @ApiProperty({ example: null, type: String, nullable: true })
  nextCursor!: string | null;
}

export class ListNotificationsQueryDto extends PageQueryDto {}
