/**
 * The shape of tonic.config.yaml. This schema validates the file at load; the configuration
 * reference in docs/ is generated from it, so the two cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SEVERITIES } from '../features/bugs/bug-statuses.ts';
import { ROLES } from '../features/identity/roles.ts';

const LocalTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: '24-hour local time, HH:MM' });
const Name = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: 'lower-case letters, digits and dashes' });

const EnvironmentSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'Where people validate this environment (used in messages).' }),
    line: Type.String({ minLength: 1, description: 'The git branch this environment follows.' }),
  },
  { additionalProperties: false },
);

const PeopleSchema = Type.Object(
  Object.fromEntries(ROLES.map((r) => [r, Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: `usernames granted ${r} on this system` }))])),
  { additionalProperties: false },
);

export const SystemSchema = Type.Object(
  {
    name: Name,
    title: Type.Optional(Type.String({ description: 'Display name.' })),
    timeZone: Type.String({ description: 'IANA time zone for T1, T2, cutoffs and freezes, e.g. Asia/Hong_Kong.' }),
    schedule: Type.Object(
      {
        t1: LocalTime,
        t2: LocalTime,
      },
      { additionalProperties: false, description: 'SEED.md: T1 (Phase 1) and T2 (Phase 2), at least an hour apart.' },
    ),
    repository: Type.Optional(
      Type.Object(
        { path: Type.String({ minLength: 1, description: 'Local git repository (relative to the config file).' }) },
        { additionalProperties: false },
      ),
    ),
    environments: Type.Object({ uat: EnvironmentSchema, prod: EnvironmentSchema }, { additionalProperties: false }),
    modules: Type.Optional(Type.Array(Name, { description: 'Modules bugs can belong to (freezes can target them).' })),
    severityPolicy: Type.Optional(
      Type.Object(
        {
          pipeline: Type.Array(Type.Union(SEVERITIES.map((s) => Type.Literal(s))), {
            minItems: 1,
            description: 'Severities that enter the nightly pipeline; the rest are emergency hotfixes.',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    people: Type.Optional(PeopleSchema),
    approvals: Type.Optional(
      Type.Object(
        { allowSelfApproval: Type.Boolean({ description: 'May the person who attached a fix approve it? Default false.' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    systems: Type.Array(SystemSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type SystemConfigInput = Static<typeof SystemSchema>;
export type ConfigInput = Static<typeof ConfigSchema>;
