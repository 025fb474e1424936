/**
 * The shape of tonic.config.yaml. This schema validates the file at load; the configuration
 * reference in docs/ is generated from it, so the two cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SEVERITIES } from '../features/bugs/bug-statuses.ts';
import { ROLES } from '../features/identity/roles.ts';
import { ChannelDefaultsSchema, ChannelSchema } from './channels-schema.ts';

const LocalTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: '24-hour local time, HH:MM' });
const Name = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: 'lower-case letters, digits and dashes' });

const CommandDeploySchema = Type.Object(
  {
    driver: Type.Literal('command'),
    command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
      description:
        'Program and arguments, run without a shell. Placeholders {version} {tag} {commit} {env} {service} {system} {workdir}; also set as TONIC_* variables.',
    }),
    workdir: Type.Optional(Type.String({ description: 'Working directory (default: the repository).' })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Default 600.' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra environment variables.' })),
  },
  { additionalProperties: false },
);

const WebhookDeploySchema = Type.Object(
  {
    driver: Type.Literal('webhook'),
    url: Type.String({ format: 'uri', description: 'Receives a signed JSON POST for each deploy.' }),
    secret: Type.String({ minLength: 16, description: 'HMAC-SHA256 key; use ${ENV_VAR}.' }),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Default 600.' })),
    pollIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'Default 5.' })),
  },
  { additionalProperties: false },
);

const HealthSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'Checked after each deploy before bug statuses move.' }),
    expectStatus: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: 'Default 200.' })),
    expectVersion: Type.Optional(Type.Boolean({ description: 'The body must contain the release version. Default true.' })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'Default 60.' })),
  },
  { additionalProperties: false },
);

const EnvironmentSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'Where people validate this environment (used in messages).' }),
    line: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._/-]+$', description: 'The git branch this environment follows.' }),
    deploy: Type.Optional(Type.Union([CommandDeploySchema, WebhookDeploySchema], { description: 'How a release is put on this environment.' })),
    health: Type.Optional(HealthSchema),
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
        minGapMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 720, description: 'Least time from T1 to T2 for validation. Default 60.' })),
        graceMinutes: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 720, description: 'A slot missed while the server was down still runs at start-up within this. Default 30.' }),
        ),
      },
      { additionalProperties: false, description: 'SEED.md: T1 (Phase 1) and T2 (Phase 2), at least an hour apart.' },
    ),
    repository: Type.Optional(
      Type.Object(
        {
          path: Type.Optional(Type.String({ minLength: 1, description: 'Local git repository (relative to the config file).' })),
          url: Type.Optional(Type.String({ minLength: 1, description: 'Remote to clone into TONIC_HOME/repos and fetch before each run.' })),
          fixBranch: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._/-]+$', description: 'Branch scanned for "Fixes #<id>" trailers.' })),
          push: Type.Optional(Type.Boolean({ description: 'Push release tags and lines to the remote. Default true when url is set.' })),
        },
        { additionalProperties: false, description: 'Give path or url.' },
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
    channels: Type.Optional(Type.Array(ChannelSchema, { description: 'Where this system\'s notifications go: Telegram, Slack, webhooks, email; which events, which language.' })),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    systems: Type.Array(SystemSchema, { minItems: 1 }),
    channels: Type.Optional(ChannelDefaultsSchema),
  },
  { additionalProperties: false },
);

export type SystemConfigInput = Static<typeof SystemSchema>;
export type ConfigInput = Static<typeof ConfigSchema>;
