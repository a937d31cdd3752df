import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import type { DevicePlatform } from '../../../database/schema.js';

export const PLATFORMS: DevicePlatform[] = ['android', 'ios', 'web'];

export class RegisterDeviceDto {
  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS, { message: `platform must be one of ${PLATFORMS.join(', ')}` })
  platform!: DevicePlatform;

  @ApiProperty({ description: 'The FCM registration token of the app install' })
  @IsString()
  @Length(1, 4096)
  token!: string;
}

export class DeviceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: PLATFORMS })
  platform!: DevicePlatform;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' })
  deviceId!: string;

  @ApiProperty({ enum: ['PENDING', 'SENDING', 'SENT', 'UNCONFIRMED', 'FAILED', 'INVALID_TOKEN'] })
  status!: string;
}

export class NotificationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: ['N-05', 'N-06', 'N-07'],
    description: 'N-05 sync complete, N-06 finished with errors, N-07 reconnect a provider (revoked grant)',
  })
  code!: string;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'N-05/N-06: the sync; null for N-07',
  })
  orchestrationId!: string | null;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'N-07: the connection to reconnect',
  })
  connectionId!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty({ example: 'Your historical sync is complete.' })
  body!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: [DeliveryDto] })
  deliveries!: DeliveryDto[];
}

export class NotificationListDto {
  @ApiProperty({ type: [NotificationDto] })
  items!: NotificationDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ListNotificationsQueryDto extends PageQueryDto {}
