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

    # Modules bugs can belong to; change freezes can target single modules.
    modules: [checkout, catalog, financial]

    # Change freezes (SEED.md "Change Freeze Policy"): when the nightly T1 and T2 stay away. The
    # scheduler still fires; a full freeze skips the run, a module freeze leaves out only the bugs
    # of those modules (both are recorded on the run and announced). For every system at once, set
    # DEPLOY_FREEZE=true, DEPLOY_FREEZE_MODULES=financial or DEPLOY_FREEZE_UNTIL=2026-02-05 (lifts at
    # 00:00 that day in timeZone) in the server's environment. At any time an admin can declare one
    # (tonic freeze declare --end 2026-12-24 --reason "..."); tonic freeze calendar lists what is
    # ahead. Uncomment what applies to this system:
    # freeze:
    #   modules: [financial]           # like DEPLOY_FREEZE_MODULES, for this system only
    #   until: "2026-02-05"            # like DEPLOY_FREEZE_UNTIL (alone: everything until then)
    #   holidays: { country: GB, region: ENG }                   # public holidays: full freeze
    #   lunarNewYear: { days: 3 }      # full freeze over the first days of the Lunar New Year
    #   monthEndClose: { businessDays: 2, modules: [financial] } # month-end financial close
    #   goLive: { start: "2026-03-02", end: "2026-03-06", label: ACME go-live }   # a client's week
    #   windows:                       # planned maintenance, dates in timeZone
    #     - { start: "2026-12-20", end: "2026-12-21T06:00", reason: data centre move }

    # Step 2: set the severity policy. Severities listed here enter the nightly pipeline; the
    # others are emergency hotfixes that never wait for T1/T2. SEED.md's default: low and medium.
    severityPolicy:
      pipeline: [low, medium]

    # Emergency hotfixes (tonic hotfix): critical is P1, to be deployed and validated within 60
    # minutes; high is P2, within 240. Warnings go out at 50 % and 100 % of that time, and a P1
    # incident's review is due within 48 hours. To change them:
    # hotfix:
    #   slaMinutes: { P1: 60, P2: 240 }
    #   reviewWithinHours: { P1: 48 }
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

    # Step 3: notification channels: who receives which messages, in which language. Every change
    # is written to Tonic's outbox in the same transaction as the change, then delivered with
    # retries, so nothing is lost while a channel is down and nothing is sent twice. Without
    # channels a system's messages stay in the outbox and go nowhere. Telegram messages carry the
    # SEED.md templates and the "Approve PROD Deploy" / "Approve Merge UAT" buttons; a button
    # counts only for a person who linked their account (tonic users link-telegram, then /link in
    # the bot) and whose role may approve. events: exact names, prefixes like t1.* or bug.*, or *.
    # Uncomment and adapt; the bots and the SMTP server are declared once, at the end of this file.
    # channels:
    #   - name: ops-chat
    #     kind: telegram
    #     bot: tonic
    #     chatId: "-1001234567890"
    #     language: zh-Hant
    #     events: ["t1.*", "t2.*", release.held, "run.*", deploy.failed, "rollback.*", "hotfix.*", "freeze.*"]
    #   - name: dev-slack
    #     kind: slack
    #     webhookUrl: "\${SLACK_WEBHOOK_URL}"
    #     language: en
    #     events: ["bug.*", deploy.failed, run.failed]
    #   - name: audit-hook
    #     kind: webhook
    #     url: "https://hooks.example.com/tonic"
    #     secret: "\${TONIC_HOOK_SECRET}"
    #     events: ["*"]
    #   - name: cto-mail
    #     kind: email
    #     to: [cto@example.com]
    #     language: en
    #     events: [hotfix.deployed, rollback.executed, rollback.escalated]

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

    # Step 8: test the full cycle in UAT first. \`tonic rehearse --system my-app\` takes a synthetic
    # bug through Flow 1 and Flow 2, a rollback and a freeze check with this configuration, on a
    # scratch clone and database, printing what each deploy would run (nothing real changes).
    # \`tonic config check --send-test\` checks what this file points at and every channel.

    # Smoke tests (SEED.md "Smoke Test Sequence"): run right after every deploy and every
    # rollback, against the environment's url (baseUrl: may use {env}). Steps run in order and the
    # first failure stops them; a failure rolls the deployment back at once (onFailure: alert only
    # announces it). Cookies an answer sets go with the later requests; capture keeps a value from
    # a JSON answer for later steps as {{name}}. Results are stored with the deployment.
    smoke:
      onFailure: rollback
      steps:
        # 1. Log in with the admin account (keep the password out of this file: "\${SMOKE_PASSWORD}").
        - name: login
          request: { method: POST, path: /api/login, json: { user: smoke-admin, password: change-me } }
          capture: { token: "$.token" }
          expect: { status: 200, json: [{ path: "$.token", exists: true }] }
        # 2. Open the affected feature.
        - name: affected feature
          request: { path: /api/orders, headers: { Authorization: "Bearer {{token}}" } }
          expect: { status: 200, json: [{ path: "$.orders", exists: true }], maxLatencyMs: 2000 }
        # 3. Perform the action that triggered the bug (and so confirm the fix works).
        - name: the action that triggered the bug
          request: { method: POST, path: /api/cart/discount, headers: { Authorization: "Bearer {{token}}" }, json: { code: SAVE10 } }
          expect: { status: 200, json: [{ path: "$.discount", equals: 10 }] }
        # 4. Check two or three adjacent features for regressions.
        - name: adjacent feature, catalog search
          request: { path: "/api/catalog?q=mug", headers: { Authorization: "Bearer {{token}}" } }
          expect: { status: 200, text: mug }
        # 5. Check the logs for new errors: a program whose exit code decides ({env}, {version}).
        - name: no new errors in the logs
          command: ["./scripts/check-logs.sh", "{env}", "--since", "5m"]
          expect: { exitCode: 0 }

    # Step 9: rollback. \`tonic rollback --env prod --impact regression --reason "..."\` (or a failed
    # smoke test) redeploys what ran before, through the deploy driver above; the bugs of the
    # rolled-back release return to their previous status; smoke validates; the HISTORY entry is at
    # /api/v1/systems/my-app/history.md. Impact ux only records a follow-up; data-corruption also
    # escalates to the DBA contact.
    rollback:
      dbaContact: "dba@example.com"
      # Runs (with the rolled-back release still deployed) when that release changed a migration.
      downMigration:
        command: "./scripts/migrate-down.sh {from} {to}"
        migrationPaths: ["db/migrations/**"]
      validationMinutes: 5       # monitoring window after a rollback, once monitoring is set up
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

    # Step 9: document rollback steps. \`tonic rehearse --system my-app --runbook\` renders SEED.md's
    # rollback procedure and checklist with the commands of this file (deploy, health, down
    # migration, smoke steps): keep a copy where people find it when Tonic itself is down.

    # Pre-deploy checklist (SEED.md): run before every T1 and T2 that deploys something, and by
    # \`tonic check\`. A probe that fails stops the deploy (mode: block, the default) or is only
    # recorded and announced (mode: warn); envs limits a probe to the deploys of one environment
    # (T1 deploys to uat, T2 to prod). Only the probes listed run. To start, remove the "# " in
    # front of the lines below and adapt them.
    # checklist:
    #   backup:                      # the newest DB backup is younger than maxAgeHours...
    #     folder: /var/backups/my-app
    #     pattern: "*.dump"
    #     maxAgeHours: 24
    #     backupCommand: "/usr/local/bin/backup-my-app"   # ...or this runs now, then it looks again
    #     envs: [prod]
    #   monitoring:                  # Prometheus answers, with healthy alerting rules loaded
    #     prometheus: "http://127.0.0.1:9090"
    #   onCall:                      # someone is on call, has a channel, and acknowledges before T1
    #     rotation:
    #       start: "2026-01-05"
    #       handoverAt: "09:00"
    #       everyDays: 7
    #       people:
    #         - { name: Alice, user: alice, telegram: "123456789" }
    #         - { name: Bob, user: bob, email: bob@example.com }
    #     acknowledgeWithinMinutes: 30   # asked 30 min before T1: tonic checks ack ID
    #   freeze: {}                   # not in a change freeze (DEPLOY_FREEZE, DEPLOY_FREEZE_MODULES, ..._UNTIL)
    #   rollbackPath: {}             # what the environment runs is recorded and its tag exists
    #   dependencies:                # upstream and downstream services, databases, queues
    #     targets:
    #       - { name: payments, http: "https://payments.example.com/health" }
    #       - { name: database, tcp: "db.internal:5432" }
    #   headroom:                    # > 20 % disk free and < 80 % memory used (default: this machine)
    #     command: "ssh deploy@app-1 'df -Pk / && cat /proc/meminfo'"
    #     mode: warn

    # Several services in one repository (SEED.md "Multi-Service Deploy")? Name them with the
    # files that are theirs. A release then deploys only the services its fixes touch: migrations
    # first, then in dependency order (backend before frontend), one at a time, each health-checked
    # (and smoke-tested, with its own steps) before the next; the first failure rolls back what went,
    # in reverse order. \`tonic plan\` shows the order before it happens. With services, the down
    # migration moves from rollback.downMigration to the service that holds the migrations.
    # services:
    #   - name: db
    #     paths: ["db/migrations/**"]
    #     migrations: true
    #     downMigration: { command: "./scripts/migrate-down.sh {from} {to}" }
    #     environments:
    #       uat: { health: { url: "https://uat.my-app.example/db-health" } }
    #       prod: { health: { url: "https://my-app.example/db-health" } }
    #   - name: backend
    #     paths: ["backend/**", "shared/**"]
    #     dependsOn: [db]
    #     environments:              # deploy: default is the environment's, {service} = backend
    #       uat: { url: "https://api.uat.my-app.example", health: { url: "https://api.uat.my-app.example/health" } }
    #       prod: { url: "https://api.my-app.example", health: { url: "https://api.my-app.example/health" } }
    #   - name: frontend
    #     paths: ["frontend/**", "shared/**"]
    #     dependsOn: [backend]
    #     environments:
    #       uat: { health: { url: "https://uat.my-app.example/health" } }
    #       prod: { health: { url: "https://my-app.example/health" } }
    #     smoke: { steps: [{ name: home page, request: { path: / }, expect: { status: 200 } }] }
# What every system's channels share (uncomment with the channels above). A bot takes button
# presses and commands by long polling (one instance at a time), or by webhook when several
# instances run: setWebhook to https://<tonic>/api/v1/telegram/webhook/tonic with this secret.
# channels:
#   telegramBots:
#     - name: tonic
#       token: "\${TELEGRAM_BOT_TOKEN}"
#       updates: polling
#   smtp:
#     host: smtp.example.com
#     user: tonic
#     password: "\${SMTP_PASSWORD}"
#     from: "Tonic Deploy <tonic@example.com>"
#   remindAfterHours: 12
#   retry: { maxAttempts: 10, firstDelaySeconds: 30, maxDelayMinutes: 60 }
`;
}
