/**
 * The shape of tonic.config.yaml. This schema validates the file at load; the configuration
 * reference in docs/ is generated from it, so the two cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SEVERITIES } from '../features/bugs/bug-statuses.ts';
import { HOLIDAY_TYPES } from '../features/freezes/freeze-calendar.ts';
import { DEFAULT_HOTFIX_POLICY, PRIORITIES } from '../features/hotfixes/hotfix-rules.ts';
import { ChecklistSchema } from '../features/checklists/checklist-config.ts';
import { ROLES } from '../features/identity/roles.ts';
import { METRIC_DEFAULTS, MONITOR_ACTIONS, MONITOR_METRICS } from '../features/monitoring/monitoring-rules.ts';
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

const LocalDate = (example: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A date, YYYY-MM-DD.', examples: [example] });

const FreezeSchema = Type.Object(
  {
    all: Type.Optional(Type.Boolean({ description: 'Like DEPLOY_FREEZE=true for this system: no scheduled deploys (T1/T2 are skipped).' })),
    modules: Type.Optional(
      Type.Array(Name, {
        description: 'Like DEPLOY_FREEZE_MODULES for this system: T1/T2 leave out the bugs of these modules (from the system\'s modules).',
        examples: [['financial']],
      }),
    ),
    until: Type.Optional(
      Type.String({
        description:
          'Like DEPLOY_FREEZE_UNTIL: YYYY-MM-DD; all and modules lift at 00:00 of this date in the system\'s time zone. Given alone, everything is frozen until then.',
        examples: ['2026-02-05'],
      }),
    ),
    holidays: Type.Optional(
      Type.Object(
        {
          country: Type.String({ description: 'ISO 3166-1 alpha-2 country code whose public holidays freeze the system, e.g. HK, TW, CN.', examples: ['HK'] }),
          region: Type.Optional(Type.String({ description: 'A region (state, province) of that country with its own holidays, e.g. US: CA.', examples: ['CA'] })),
          types: Type.Optional(
            Type.Array(Type.Union(HOLIDAY_TYPES.map((t) => Type.Literal(t))), { minItems: 1, description: 'Which kinds of holiday freeze. Default [public].' }),
          ),
        },
        { additionalProperties: false, description: 'SEED.md: public holidays suspend T1/T2, midnight to midnight in the system\'s time zone.' },
      ),
    ),
    lunarNewYear: Type.Optional(
      Type.Object(
        { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 15, description: 'How many days from the first day of the Lunar New Year. Default 3.' })) },
        { additionalProperties: false, description: 'SEED.md: a full freeze over the first days of the Lunar New Year ({} for the default three days).' },
      ),
    ),
    monthEndClose: Type.Optional(
      Type.Object(
        {
          businessDays: Type.Integer({ minimum: 1, maximum: 10, description: 'The last N business days of each month (weekends and holidays skipped).', examples: [2] }),
          modules: Type.Array(Name, { minItems: 1, description: 'The financial modules frozen from the first of those days to the end of the month.', examples: [['financial']] }),
        },
        { additionalProperties: false, description: 'SEED.md: end-of-month financial close freezes the named modules; the others deploy as usual.' },
      ),
    ),
    goLive: Type.Optional(
      Type.Object(
        {
          start: LocalDate('2026-03-02'),
          end: LocalDate('2026-03-06'),
          label: Type.Optional(Type.String({ minLength: 1, description: 'Names the client and the event in messages. Default "client go-live".', examples: ['ACME go-live'] })),
        },
        { additionalProperties: false, description: 'SEED.md: a major client\'s go-live week freezes this system, both dates included; other systems run as usual.' },
      ),
    ),
    windows: Type.Optional(
      Type.Array(
        Type.Object(
          {
            start: Type.String({ description: 'YYYY-MM-DD (00:00 in the system\'s zone), YYYY-MM-DDTHH:MM (local) or an instant with its offset.', examples: ['2026-12-20'] }),
            end: Type.String({ description: 'As start; the freeze lifts at this instant.', examples: ['2026-12-21T06:00'] }),
            modules: Type.Optional(Type.Array(Name, { description: 'Only these modules; the whole system when absent.', examples: [['financial']] })),
            reason: Type.String({ minLength: 1, description: 'Why: shown in run reports and messages.', examples: ['data centre move'] }),
          },
          { additionalProperties: false },
        ),
        { description: 'Planned freeze windows (maintenance); freezes can also be declared at run time with tonic freeze declare.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Change freezes (SEED.md Change Freeze Policy): when scheduled T1/T2 deploys are suspended, for the system or some modules.' },
);

const Status = Type.Integer({ minimum: 100, maximum: 599 });

const SmokeExpectSchema = Type.Object(
  {
    status: Type.Optional(Type.Union([Status, Type.Array(Status, { minItems: 1 })], { examples: [200], description: 'HTTP steps: the status (or any of the statuses) that passes. Default 200.' })),
    json: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({ minLength: 1, examples: ['$.orders[0].id'], description: 'JSON path into the answer: $, .name, [index], [\'name\'] (for example $.items[0].id).' }),
            equals: Type.Optional(Type.Unknown({ description: 'The value at path equals this.' })),
            contains: Type.Optional(Type.Unknown({ description: 'The value at path contains this (text, an array element, or object keys).' })),
            exists: Type.Optional(Type.Boolean({ description: 'Something is (true) or is not (false) at path.' })),
          },
          { additionalProperties: false },
        ),
        { description: 'HTTP steps: checks of the JSON answer; each gives exactly one of equals, contains, exists.' },
      ),
    ),
    text: Type.Optional(Type.String({ minLength: 1, description: 'The body (HTTP) or the output (command) contains this text.' })),
    maxLatencyMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600000, examples: [2000], description: 'HTTP steps: the answer comes within this many milliseconds.' })),
    exitCode: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'Command steps: the exit code that passes. Default 0.' })),
  },
  { additionalProperties: false, description: 'What the step must see; every expectation is checked.' },
);

const SmokeStepSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'What the step checks, e.g. "login" (unique within the list).' }),
    request: Type.Optional(
      Type.Object(
        {
          method: Type.Optional(Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => Type.Literal(m)), { description: 'Default GET.' })),
          path: Type.String({ minLength: 1, examples: ['/api/orders'], description: 'Path under the base URL (/api/orders) or a whole URL; {{name}} inserts a captured value.' }),
          headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Request headers; {{name}} inserts a captured value.' })),
          json: Type.Optional(Type.Unknown({ description: 'A JSON body; strings in it may use {{name}}.' })),
        },
        { additionalProperties: false, description: 'An HTTP request. Cookies the answers set are sent with the later steps.' },
      ),
    ),
    command: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
        examples: [['./scripts/check-logs.sh', '{env}']],
        description: 'A program run without a shell (e.g. a log check). Placeholders {env} {version} {url}.',
      }),
    ),
    capture: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' }), Type.String(), {
        examples: [{ token: '$.token' }],
        description: 'Values to keep for later steps: name → JSON path into this answer; later steps use {{name}}.',
      }),
    ),
    expect: Type.Optional(SmokeExpectSchema),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'Default 15.' })),
  },
  { additionalProperties: false },
);

const SmokePlanSchema = Type.Object(
  {
    baseUrl: Type.Optional(Type.String({ minLength: 1, description: 'Base URL of the steps; {env} is uat or prod, {url} the environment url. Default: the environment url.' })),
    steps: Type.Optional(Type.Array(SmokeStepSchema, { minItems: 1, description: 'Steps for this environment only (instead of the shared ones).' })),
  },
  { additionalProperties: false },
);

const SmokeSchema = Type.Object(
  {
    onFailure: Type.Optional(
      Type.Union([Type.Literal('rollback'), Type.Literal('alert')], { description: 'A failed step rolls the deployment back (SEED.md: rollback immediately) or only alerts. Default rollback.' }),
    ),
    baseUrl: Type.Optional(Type.String({ minLength: 1, examples: ['https://{env}.shop.example'], description: 'Base URL shared by both environments; {env} is uat or prod, {url} the environment url. Default: the environment url.' })),
    steps: Type.Optional(Type.Array(SmokeStepSchema, { minItems: 1, description: 'Steps run, in order, right after every deploy and every rollback; the first failure stops them.' })),
    uat: Type.Optional(SmokePlanSchema),
    prod: Type.Optional(SmokePlanSchema),
  },
  { additionalProperties: false, description: "Smoke tests after every deploy and rollback (SEED.md's Smoke Test Sequence)." },
);

/** Smoke steps of one service (section services[].smoke): the same step shapes as the system's smoke. */
const ServiceSmokeSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({ minLength: 1, examples: ['http://{env}-api.shop.internal'], description: "Base URL of the steps; {env} is uat or prod, {url} the service's url in that environment. Default: the service's url." }),
    ),
    steps: Type.Optional(Type.Array(SmokeStepSchema, { minItems: 1, description: "Run right after this service's deploy and health check, before the next service; a failure stops the deploy and rolls back." })),
    uat: Type.Optional(SmokePlanSchema),
    prod: Type.Optional(SmokePlanSchema),
  },
  { additionalProperties: false, description: "This service's own smoke steps (SEED.md: validate between services); the system's smoke section still runs after the whole deploy." },
);

const ServiceEnvironmentSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ format: 'uri', examples: ['http://10.0.0.7:8080'], description: "Where this service answers in this environment: the base of its smoke steps. Default: the environment's url." })),
    deploy: Type.Optional(
      Type.Union([CommandDeploySchema, WebhookDeploySchema], { description: "How a release is put on this service here. Default: the environment's deploy driver, with {service} naming this service." }),
    ),
    health: Type.Optional({
      ...HealthSchema,
      description: 'Checked after this service is deployed, before the next one goes (required when the system has more than one service).',
    }),
  },
  { additionalProperties: false },
);

const ServiceSchema = Type.Object(
  {
    name: { ...Name, examples: ['api'], description: 'The service: lower-case letters, digits and dashes; in release notes as [name].' },
    paths: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      examples: [['services/api/**', 'shared/**']],
      description: "Globs of this service's files in the repository (from its root; ** any folders, * within a name). A fix touching them deploys this service.",
    }),
    dependsOn: Type.Optional(Type.Array(Name, { examples: [['api']], description: 'Services that deploy before this one (SEED.md: backend before frontend, shared library before dependents). A cycle is refused.' })),
    migrations: Type.Optional(Type.Boolean({ description: 'This service holds the database migrations: it deploys before every other service, and is rolled back last, with downMigration. Default false.' })),
    downMigration: Type.Optional(
      Type.Object(
        {
          command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
            examples: ['./scripts/migrate-down.sh {from} {to}'],
            description: 'Run before this service goes back to the previous release in a rollback. Placeholders {from} {to} (versions), {env}, {service}, {version} {commit} (of the release undone).',
          }),
          workdir: Type.Optional(Type.String({ description: 'Working directory (default: the repository).' })),
          timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Default 600.' })),
        },
        { additionalProperties: false, description: 'Required with migrations: true.' },
      ),
    ),
    environments: Type.Optional(
      Type.Object({ uat: Type.Optional(ServiceEnvironmentSchema), prod: Type.Optional(ServiceEnvironmentSchema) }, { additionalProperties: false, description: 'Deploy driver, health check and url of this service per environment.' }),
    ),
    smoke: Type.Optional(ServiceSmokeSchema),
  },
  { additionalProperties: false },
);

const RollbackSchema = Type.Object(
  {
    dbaContact: Type.Optional(Type.String({ minLength: 1, examples: ['dba@shop.example'], description: 'Who is engaged on a data-corruption rollback (name, e-mail or handle); named in the escalation message.' })),
    downMigration: Type.Optional(
      Type.Object(
        {
          command: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
            examples: ['./scripts/migrate-down.sh {from} {to}'],
            description: 'Runs before the previous release is deployed, when the rolled-back release changed a migration path. Placeholders {from} {to} (versions), {env}, {version} {commit} (of the rolled-back release).',
          }),
          migrationPaths: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, examples: [['db/migrations/**']], description: 'Globs of migration files, e.g. db/migrations/**.' }),
          workdir: Type.Optional(Type.String({ description: 'Working directory (default: the repository).' })),
          timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Default 600.' })),
        },
        { additionalProperties: false },
      ),
    ),
    validationMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 120, description: 'Monitoring window after a rollback (when monitoring is configured). Default 5.' })),
  },
  { additionalProperties: false, description: 'Rollback (DESIGN.md decision 10).' },
);

const Priority = Type.Union(PRIORITIES.map((p) => Type.Literal(p)));

const HOTFIX_DEFAULTS = DEFAULT_HOTFIX_POLICY;

const HotfixSchema = Type.Object(
  {
    priorities: Type.Optional(
      Type.Object(
        Object.fromEntries(
          SEVERITIES.map((s) => [s, Type.Optional({ ...Priority, description: `Priority of a ${s} bug's incident. Default ${HOTFIX_DEFAULTS.priorities[s]}.` })]),
        ),
        { additionalProperties: false, description: 'Incident priority by severity (only severities the pipeline refuses become hotfixes).' },
      ),
    ),
    slaMinutes: Type.Optional(
      Type.Object(
        Object.fromEntries(
          PRIORITIES.map((p) => [
            p,
            Type.Optional(Type.Integer({ minimum: 1, maximum: 10080, description: `Minutes to have a ${p} fix deployed and validated. Default ${HOTFIX_DEFAULTS.slaMinutes[p]}.` })),
          ]),
        ),
        { additionalProperties: false, description: 'The SLA by priority (SEED.md: P1 1 hour, P2 4 hours); warnings go out at 50 % and 100 % of it.' },
      ),
    ),
    reviewWithinHours: Type.Optional(
      Type.Object(
        Object.fromEntries(
          PRIORITIES.map((p) => {
            const hours = HOTFIX_DEFAULTS.reviewWithinHours[p];
            const fallback = hours === undefined ? ' No review unless set.' : ` Default ${hours}.`;
            return [p, Type.Optional(Type.Integer({ minimum: 1, maximum: 720, description: `Hours from opening a ${p} incident to its review.${fallback}` }))];
          }),
        ),
        { additionalProperties: false, description: 'The incident review, due within these hours by priority (SEED.md: within 48h for P1); setting this section replaces the default.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Emergency hotfixes: incident priorities, SLA and incident reviews.' },
);

const PeopleSchema = Type.Object(
  Object.fromEntries(ROLES.map((r) => [r, Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: `usernames granted ${r} on this system` }))])),
  { additionalProperties: false },
);

/** Files never sent to a language model, whatever is configured (added to `neverSend`). */
export const DEFAULT_NEVER_SEND = ['.env*', '*.pem'] as const;

const AnalyzerSchema = Type.Object(
  {
    provider: Type.Union([Type.Literal('builtin'), Type.Literal('openai-compatible')], {
      description:
        'builtin: the deterministic analysis of the diff only. openai-compatible: a chat-completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio), with the built-in result as fallback.',
      examples: ['openai-compatible'],
    }),
    baseUrl: Type.Optional(
      Type.String({
        format: 'uri',
        description: 'The endpoint base; Tonic POSTs to {baseUrl}/chat/completions. E.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama). Required for openai-compatible.',
        examples: ['https://api.openai.com/v1'],
      }),
    ),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The model (Azure: the deployment is in baseUrl; give its model name). Required for openai-compatible.', examples: ['gpt-4o-mini'] })),
    apiKey: Type.Optional(Type.String({ description: 'Sent as Authorization: Bearer (Azure: api-key). Use ${ENV_VAR}; local servers need none.', examples: ['${OPENAI_API_KEY}'] })),
    apiVersion: Type.Optional(
      Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$', description: 'Azure OpenAI: sent as ?api-version=, and the key goes in the api-key header instead of Authorization.', examples: ['2024-10-21'] }),
    ),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'Per call; on timeout the built-in analysis is recorded. Default 60.' })),
    maxInputChars: Type.Optional(
      Type.Integer({ minimum: 2000, maximum: 2000000, description: 'Most characters of bug text, commit messages and diff sent per bug; the diff is cut beyond. Default 40000.' }),
    ),
    neverSend: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: `Globs of files whose changes are never sent (a pattern without / matches the file name in any folder). Always added: ${DEFAULT_NEVER_SEND.join(', ')}.`,
        examples: [['config/secrets/**']],
      }),
    ),
    responseFormat: Type.Optional(
      Type.Union([Type.Literal('json_object'), Type.Literal('json_schema')], {
        description: 'How the answer is asked for: json_object (widely supported) or json_schema (structured outputs, where the endpoint supports it). Default json_object.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Root cause and fix plan at T1 (SEED.md: "AI analyses root cause + records fix plan"). Default: builtin.' },
);

/** What a query override looks like, per metric ($selector: the environment's label matchers). */
const QUERY_EXAMPLES: Record<(typeof MONITOR_METRICS)[number], string> = {
  errorRate: '100 * sum(rate(http_requests_total{code=~"5..",$selector}[$window])) / sum(rate(http_requests_total{$selector}[$window]))',
  p95Latency: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{$selector}[$window])))',
  memory: '100 * sum(container_memory_working_set_bytes{$selector}) / sum(container_spec_memory_limit_bytes{$selector})',
  cpu: '100 * sum(rate(process_cpu_seconds_total{$selector}[$window])) / 2',
  authSuccess: '100 * sum(rate(logins_total{outcome="ok",$selector}[$window])) / sum(rate(logins_total{$selector}[$window]))',
};

const MetricRuleSchema = (metric: (typeof MONITOR_METRICS)[number]) => {
  const d = METRIC_DEFAULTS[metric];
  const unit = d.bound === 'overBaseline' ? 'percent over the baseline' : d.bound === 'min' ? 'percent, healthy above it' : 'percent, healthy below it';
  return Type.Object(
    {
      threshold: Type.Optional(Type.Number({ minimum: 0, default: d.threshold, description: `${d.label}: ${unit}.` })),
      action: Type.Optional(Type.Union(MONITOR_ACTIONS.map((a) => Type.Literal(a)), { description: `What a breach does: rollback, alert or ignore. Default ${d.action}.` })),
      sustainedSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: `Consecutive breaching samples before it counts. Default ${d.sustainedSamples}.` })),
      query: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'PromQL (Prometheus provider) answering the metric in its unit (percent 0-100, latency in seconds); $window, $selector, $env and $system are filled in.',
          examples: [QUERY_EXAMPLES[metric]],
        }),
      ),
    },
    { additionalProperties: false },
  );
};

const EnvUrlsSchema = Type.Object(
  { uat: Type.Optional(Type.String({ format: 'uri', examples: ['http://10.0.0.5:8080/metrics'] })), prod: Type.Optional(Type.String({ format: 'uri', examples: ['http://10.0.0.6:8080/metrics'] })) },
  { additionalProperties: false, description: 'Per environment.' },
);

export const MonitoringSchema = Type.Object(
  {
    windowMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1440, description: 'How long each deploy is watched before standing down. Default 10.' })),
    pollSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3600, description: 'Time between samples. Default 15.' })),
    baselineMinutes: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1440, examples: [30], description: 'Prometheus: the range before the deploy the baseline is measured over (default: windowMinutes).' }),
    ),
    minRequests: Type.Optional(Type.Integer({ minimum: 0, description: 'Samples with fewer requests (or login attempts) do not judge the rates. Default 10.' })),
    memoryLimitMb: Type.Optional(Type.Number({ exclusiveMinimum: 0, examples: [512], description: "The service's memory limit; memory usage is resident memory over it. Unset: memory is not judged." })),
    cpuCores: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Cores the service may use; CPU usage is CPU seconds per second over it. Default 1.' })),
    provider: Type.Optional(
      Type.Union(
        [
          Type.Object(
            {
              kind: Type.Literal('prometheus'),
              url: Type.String({ format: 'uri', examples: ['http://prometheus.internal:9090'], description: 'The Prometheus server (its /api/v1/query is asked).' }),
              selectors: Type.Optional(
                Type.Object(
                  { uat: Type.Optional(Type.String({ examples: ['job="shop-uat"'] })), prod: Type.Optional(Type.String({ examples: ['job="shop-prod"'] })) },
                  { additionalProperties: false, description: 'Label matchers that pick each environment\'s series, e.g. job="shop-prod".' },
                ),
              ),
              rateWindow: Type.Optional(Type.String({ examples: ['1m'], description: 'Range of rate() during the watch. Default 1m.' })),
            },
            { additionalProperties: false },
          ),
          Type.Object(
            { kind: Type.Literal('scrape'), urls: Type.Optional({ ...EnvUrlsSchema, description: "Metrics pages. Default: each environment's url + /metrics." }) },
            { additionalProperties: false },
          ),
        ],
        { description: "Where metrics come from: a Prometheus server, or the services' own /metrics (the default)." },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(Object.fromEntries(MONITOR_METRICS.map((m) => [m, Type.Optional(MetricRuleSchema(m))])), {
        additionalProperties: false,
        description: 'Per metric (errorRate, p95Latency, memory, cpu, authSuccess): threshold, action, sustainedSamples, query.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Post-deploy monitoring (SEED.md thresholds; DESIGN.md decision 9).' },
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
    freeze: Type.Optional(FreezeSchema),
    hotfix: Type.Optional(HotfixSchema),
    approvals: Type.Optional(
      Type.Object(
        { allowSelfApproval: Type.Boolean({ description: 'May the person who attached a fix approve it? Default false.' }) },
        { additionalProperties: false },
      ),
    ),
    smoke: Type.Optional(SmokeSchema),
    rollback: Type.Optional(RollbackSchema),
    checklist: Type.Optional(ChecklistSchema),
    channels: Type.Optional(Type.Array(ChannelSchema, { description: 'Where this system\'s notifications go: Telegram, Slack, webhooks, email; which events, which language.' })),
    analyzer: Type.Optional(AnalyzerSchema),
    monitoring: Type.Optional(MonitoringSchema),
    services: Type.Optional(
      Type.Array(ServiceSchema, {
        minItems: 1,
        description:
          'The services of this system (SEED.md Multi-Service Deploy; DESIGN.md decision 11). A release deploys the services its fixes touch, migrations first, then in dependency order, each checked (health, its smoke steps) before the next; the first failure rolls back what went, in reverse order. Without this section the system is one service.',
      }),
    ),
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
export type ServiceInput = Static<typeof ServiceSchema>;
