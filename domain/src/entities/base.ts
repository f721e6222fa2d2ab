import { p } from '@mikro-orm/core';

/**
 * Every entity has an integer id and its creation and last-update times (STYLE 5). Entities are
 * plain classes with their required fields in the constructor; each file maps its class with
 * `defineEntity({ class, properties: { ...baseProperties, … } })`, so no decorators are needed.
 */
export abstract class BaseEntity {
  id!: number;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const baseProperties = {
  id: p.integer().primary().autoincrement(),
  createdAt: p.datetime().onCreate(() => new Date()),
  updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
};

/** A JSON column holding a string → string map (environment variables, labels). */
export type StringMap = Record<string, string>;
