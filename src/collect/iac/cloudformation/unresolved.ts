import { isRecord } from '../common.js'

/**
 * What a template leaves to deployment: a value only deployment will tell, and
 * `Ref: AWS::NoValue`, which leaves a property or element out.
 */

/** A value only deployment will tell. */
export class Unresolved {
  constructor(readonly reason: string) {}
}

/** `Ref: AWS::NoValue`: the property or element is left out. */
export const NO_VALUE = Symbol('AWS::NoValue')

export function firstUnresolved(value: unknown): Unresolved | undefined {
  if (value instanceof Unresolved) return value
  if (Array.isArray(value)) {
    for (const v of value) {
      const u = firstUnresolved(v)
      if (u) return u
    }
  } else if (isRecord(value)) {
    for (const v of Object.values(value)) {
      const u = firstUnresolved(v)
      if (u) return u
    }
  }
  return undefined
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A resource type's reader does not know the attribute asked for (as distinct from an attribute whose value is absent). */
export const NO_ATTRIBUTE = Symbol('no such attribute')
