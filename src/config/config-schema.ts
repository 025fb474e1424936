/**
 * The shape of tonic.config.yaml. This schema validates the file at load; the configuration
 * reference in docs/ is generated from it, so the two cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SEVERITIES } from '../features/bugs/bug-statuses.ts';
import { ROLES } from '../features/identity/roles.ts';
import { METRIC_DEFAULTS, MONITOR_ACTIONS, MONITOR_METRICS } from '../features/monitoring/monitoring-rules.ts';

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
    monitoring: Type.Optional(MonitoringSchema),
    analyzer: Type.Optional(AnalyzerSchema),
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
