import { Injectable, type PipeTransform } from '@nestjs/common';
import { notFound } from '../errors/problem.exception.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resource ids are UUIDs; anything else cannot name a resource, so it is NOT_FOUND (never a 500). */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'Resource') {}

  transform(value: string): string {
    if (!UUID.test(value)) throw notFound(this.what);
    return value.toLowerCase();
  }
}
