import { JsonType, type Platform, type TransformContext } from '@mikro-orm/core';

/**
 * A jsonb column whose value is parsed on every load and checked on every write, so that no reader
 * needs to trust or cast what is stored: `read` turns the stored JSON into the value (refusing what
 * does not fit), `write` checks a value before it reaches the database (and may stamp it, as run
 * metadata stamps its version).
 */
export function checkedJsonColumn<T>(read: (stored: unknown) => T, write: (value: T) => unknown = read) {
  return class CheckedJsonColumn extends JsonType {
    override convertToJSValue(value: unknown, platform: Platform, context?: TransformContext): T {
      return read(super.convertToJSValue(value, platform, context));
    }

    override convertToDatabaseValue(value: T, platform: Platform, context?: TransformContext): string | null {
      return super.convertToDatabaseValue(write(value), platform, context);
    }
  };
}
