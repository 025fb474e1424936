/**
 * The commented tonic.config.yaml that `tonic init` writes. Its comments walk through SEED.md's
 * "Adapting This Workflow to a New Project" steps next to the keys they concern; the keys
 * themselves are a valid configuration (test/cli checks it with parseConfig), so a new user can
 * start the server on it and change values one at a time.
 */
export function starterConfigYaml(): string {
  return `# tonic.config.yaml: the systems Tonic Deploy runs the UAT + PROD bug-fix pipeline for.
# Written by \`tonic init\`. Secrets do not belong here: a string value may use \${NAME} to read the
# environment variable NAME. The server reads this file at start (TONIC_CONFIG names another path).
#
# Adapting the workflow to a new project takes nine steps (SEED.md). Each is marked "Step N"
# below, next to the keys it concerns; steps with no key say where that work happens instead.

systems:
  # One entry per product that has its own UAT and PROD. One server runs many systems.
  - name: my-app                 # lower-case letters, digits and dashes; used in URLs and commands
    title: My application        # display name

    # Step 1: define T1 and T2. Pick them from your traffic patterns and SLA: outside business
    # hours, in the lowest-traffic window for 24/7 systems, and at least an hour apart so people
    # can validate UAT between them (Tonic refuses a smaller gap).
    #   T1 (Phase 1): confirmed bugs are analysed and deployed to UAT (Flow 1), or queued for
    #                 PROD (Flow 2).
    #   T2 (Phase 2): approved fixes go to PROD; approved Flow 2 fixes are merged back into UAT.
    # Times are local to timeZone (an IANA name); daylight-saving changes are handled for you.
    # An approval made before T2 runs that night; at or after T2, the next night.
    timeZone: Europe/London
    schedule:
      t1: "20:00"
      t2: "22:00"

    # The git repository of this system. Tonic chooses Flow 1 or Flow 2 by comparing the commits
    # UAT and PROD run (same commit: Flow 1; UAT ahead: Flow 2). Without a repository it cannot
    # tell, and confirmed bugs wait until one is configured. The path is relative to this file.
    # repository: { path: ../my-app }

    # The two environments: where people validate them (used in messages) and the git branch
    # each one follows.
    environments:
      uat: { url: "https://uat.example.com", line: develop }
      prod: { url: "https://www.example.com", line: main }

    # Modules bugs can belong to (later, change freezes can target single modules).
    modules: [checkout, catalog]

    # Step 2: set the severity policy. Severities listed here enter the nightly pipeline; the
    # others are emergency hotfixes that never wait for T1/T2. SEED.md's default: low and medium.
    severityPolicy:
      pipeline: [low, medium]

    # AI analysis at T1 (SEED.md: "AI analyses root cause + records fix plan"). Without this
    # section the built-in analysis runs: files, services, lines, migrations and a risk from the
    # diff, with validation steps for the approver. With a language model behind any
    # OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio), each bug's fix
    # also gets a root cause and fix plan. Before anything is sent, credentials in the diff are
    # redacted and files matching neverSend (always .env* and *.pem) are left out; every attempt
    # is recorded with exactly what was sent. A timeout, an error or an unusable answer records
    # the built-in analysis with the reason, and the run goes on.
    # analyzer:
    #   provider: openai-compatible        # or builtin (the default)
    #   baseUrl: https://api.openai.com/v1 # Ollama: http://127.0.0.1:11434/v1
    #   model: gpt-4o-mini
    #   apiKey: \${OPENAI_API_KEY}         # from the environment; local servers need none
    #   # apiVersion: 2024-10-21           # Azure OpenAI only (baseUrl .../openai/deployments/NAME)
    #   timeoutSeconds: 60
    #   maxInputChars: 40000               # per bug; the diff is cut beyond
    #   neverSend: ["config/secrets/**"]   # added to .env* and *.pem

    # Step 3: notification channels (Telegram, Slack, webhooks: who receives which messages) are
    # configured in a later release. Until then every notification is kept in Tonic's outbox, so
    # none is lost, and is delivered once channels exist.

    # Step 4: database columns. Nothing to add to your application's database: Tonic keeps the
    # status, fix_flow and found_in_env of every bug (and their history) in its own database
    # (DATABASE_URL, or an SQLite file under TONIC_HOME).

    # Step 5: cron jobs. None to write: Tonic schedules Phase 1 at T1 and Phase 2 at T2 itself,
    # from schedule above.

    # Step 6: approval endpoints. Tonic provides them: approve-prod, approve-uat-merge and their
    # batch variants, over the API (/api/v1/systems/my-app/bugs/...) and the command line
    # (tonic bugs approve-prod ID..., tonic bugs approve-uat-merge ID...).
    # people: grants roles on this system to existing users (create them with tonic users add).
    # Managers confirm, reject and approve; admins also record versions and manage users.
    # people:
    #   manager: [alice]
    #   developer: [bob]
    approvals:
      allowSelfApproval: false   # may the person who attached a fix approve it? SEED.md: no

    # Step 7: status badges and action buttons. Tonic shows every status of SEED.md's Status
    # Reference (\`tonic bugs list\`, \`tonic bugs show\`, the API). If your own frontend shows bugs,
    # read their status from Tonic's API rather than keeping a copy.

    # Step 8: test the full cycle in UAT first. Before going live, report a low-severity test bug
    # (tonic bugs report --found-in uat ...), confirm it, and follow it through Flow 1; then record
    # UAT ahead of PROD (tonic env record) and take a second test bug through Flow 2.

    # Post-deploy monitoring (SEED.md "Post-Deploy Monitoring"): after each deploy Tonic watches
    # the environment for windowMinutes, sampling every pollSeconds, and judges each sample against
    # SEED.md's thresholds: 5xx rate < 0.5 %, p95 latency < baseline + 20 % (the baseline is
    # measured before the deploy), memory < 85 %, CPU < 80 % sustained, auth success > 99 %.
    # A 5xx or auth breach rolls the deploy back; the others alert. With no provider, Tonic scrapes
    # each environment's url + /metrics (Prometheus text) itself; with one, it asks Prometheus.
    # All keys are optional; remove the leading "# " to use these:
    # monitoring:
    #   windowMinutes: 10
    #   pollSeconds: 15
    #   memoryLimitMb: 512            # the service's memory limit: memory % is measured against it
    #   provider:
    #     kind: prometheus
    #     url: http://prometheus.internal:9090
    #     selectors: { uat: 'job="my-app-uat"', prod: 'job="my-app-prod"' }
    #   metrics:
    #     errorRate: { threshold: 0.5, action: rollback }    # percent of requests answering 5xx
    #     p95Latency: { threshold: 20, action: alert }       # percent over the baseline
    #     cpu: { threshold: 80, sustainedSamples: 4 }        # "sustained": 4 samples in a row
    #     authSuccess:                                       # your own metric names, in PromQL:
    #       query: '100 * sum(rate(logins_total{outcome="ok",$selector}[$window])) / sum(rate(logins_total{$selector}[$window]))'

    # Step 9: document rollback steps for your stack and database here, until rollback is
    # configured in a later release. For example:
    #   1. Note what was deployed, when, and what broke.
    #   2. Redeploy the previous tag: git checkout <previous-tag> && docker compose up -d --build
    #   3. Schema changed? Apply the down migration of that release.
    #   4. Smoke-test login, the affected feature and two adjacent ones (5 to 10 minutes).
    #   5. Record the new versions: tonic env record --env prod --commit <sha> --version <tag>
`;
}
