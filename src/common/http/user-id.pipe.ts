import { Injectable, type PipeTransform } from '@nestjs/common';
import { validationFailed } from '../errors/problem.exception.js';

/** A user id in a path: 1–255 printable characters. */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[\x21-\x7e]{1,255}$/.test(value))
      throw validationFailed([{ field: 'userId', message: 'invalid user id' }]);
    return value;
  }
}
