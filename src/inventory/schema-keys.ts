import type { z } from 'zod';
import type { PathSegment } from './diagnostic.js';

type AnySchema = z.core.$ZodType;

/** Keys an object schema accepts at `path` (array indices step into elements), for did-you-mean hints. */
export function schemaKeysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  const objects = objectsAt(unwrap(schema), path);
  return [...new Set(objects.flatMap((o) => Object.keys(o._zod.def.shape)))];
}

function unwrap(schema: AnySchema): AnySchema {
  const def = schema._zod.def as { type: string; innerType?: AnySchema };
  return def.innerType !== undefined && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)
    ? unwrap(def.innerType)
    : schema;
}

function objectsAt(schema: AnySchema, path: readonly PathSegment[]): z.core.$ZodObject[] {
  const def = schema._zod.def as { type: string };
  if (def.type === 'union') {
    return (schema as z.core.$ZodUnion)._zod.def.options.flatMap((o) => objectsAt(unwrap(o), path));
  }
  const [head, ...rest] = path;
  if (head === undefined) return def.type === 'object' ? [schema as z.core.$ZodObject] : [];
  if (def.type === 'array' && typeof head === 'number') {
    return objectsAt(unwrap((schema as z.core.$ZodArray)._zod.def.element), rest);
  }
  if (def.type === 'object') {
    const { shape } = (schema as z.core.$ZodObject)._zod.def;
    // `constructor` is no key of the schema, though a shape object inherits one.
    const child = Object.hasOwn(shape, String(head)) ? shape[String(head)] : undefined;
    return child === undefined ? [] : objectsAt(unwrap(child), rest);
  }
  return [];
}
