import type { z } from 'zod';
import { closest } from './closest';
import { fieldPath } from './format';

/** The parts of a zod 4 schema definition this walk reads. */
interface SchemaDef {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly values?: readonly unknown[];
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { def: SchemaDef }).def;

const field = (value: unknown, key: PropertyKey): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;

/** The schema that applies to `value`: wrappers (optional, default, ...) removed, a union's option chosen by its discriminator. */
function resolve(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let s = schema;
  for (;;) {
    if (!s) return undefined;
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else if (def.type === 'union' && def.discriminator) {
      const discriminator = def.discriminator;
      const wanted = field(value, discriminator);
      s = def.options?.find((option) => {
        const literal = defOf(resolve(option, value) ?? option).shape?.[discriminator];
        return literal !== undefined && (defOf(literal).values ?? []).includes(wanted);
      });
    } else return s;
  }
}

/** The fields of the object the schema expects at `path` in `root` (empty when there is none). */
export function fieldsAt(schema: z.ZodType, root: unknown, path: readonly PropertyKey[]): string[] {
  let s = resolve(schema, root);
  let value = root;
  for (const key of path) {
    const def = s && defOf(s);
    const next = def?.type === 'object' ? def.shape?.[String(key)] : def?.type === 'array' ? def.element : def?.type === 'record' ? def.valueType : undefined;
    value = field(value, key);
    s = resolve(next, value);
  }
  const def = s && defOf(s);
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/**
 * The message for a key that is not a field: "`dev.schedul` is not a field; did you mean `schedule`?", or, when no
 * field is close, the fields there are.
 */
export function unknownFieldProblem(envName: string, objectPath: readonly PropertyKey[], key: string, fields: readonly string[]): string {
  const at = `\`${fieldPath(envName, [...objectPath, key])}\` is not a field`;
  const guess = closest(key, fields);
  if (guess) return `${at}; did you mean \`${guess}\`?`;
  return `${at}; the fields of \`${fieldPath(envName, objectPath)}\` are ${fields.join(', ')}`;
}
