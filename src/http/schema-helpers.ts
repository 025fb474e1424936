import { Type, type Static, type TNull, type TSchema, type TUnion } from '@sinclair/typebox';

/** A string enum as JSON Schema `enum` (clear OpenAPI output and validation messages). */
export function StringEnum<T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * `T | null`. A scalar becomes `{ "type": ["string", "null"] }` rather than an `anyOf`: the same
 * meaning, and the response serializer writes it without trying each branch (list pages are hot).
 */
export function Nullable<T extends TSchema>(schema: T): TUnion<[T, TNull]> {
  const type = (schema as { type?: unknown }).type;
  if (typeof type === 'string' && type !== 'object' && type !== 'array') {
    const values = (schema as { enum?: unknown[] }).enum;
    const nullable = { ...schema, type: [type, 'null'], ...(values ? { enum: [...values, null] } : {}) };
    return Type.Unsafe<Static<T> | null>(nullable) as unknown as TUnion<[T, TNull]>;
  }
  return Type.Union([schema, Type.Null()]);
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code.' }),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    details: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Facts about this refusal a client can act on: the field at fault, the version the bug is at, the deployment that failed, who holds the deploy lock, when to retry.',
      }),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' },
);

/** Error answers every authenticated route can give. */
export const PROBLEM_RESPONSES = {
  400: Type.Ref(ProblemSchema),
  401: Type.Ref(ProblemSchema),
  403: Type.Ref(ProblemSchema),
  404: Type.Ref(ProblemSchema),
} as const;

export const SystemParams = Type.Object({ system: Type.String({ description: 'System name from the configuration.' }) }, { additionalProperties: false });
export const BugParams = Type.Object(
  { system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Bug id.' }) },
  { additionalProperties: false },
);
