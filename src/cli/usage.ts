/**
 * The help text and each command's usage line; usage errors print the line of the command at fault.
 */
export const USAGE = {
  serve: 'tonic serve',
  migrate: 'tonic migrate [--down]',
  init: 'tonic init [--path FILE] [--force]',
  auditVerify: 'tonic audit verify [--json]',
  backup: 'tonic backup [--out FILE] [--json]',
  configCheck: 'tonic config check [--file FILE] [--timeout SECONDS] [--send-test] [--json]',
  restore: 'tonic restore FILE [--json]',
  systems: 'tonic systems [--json]',
  envShow: 'tonic env show [--system S] [--json]',
  envRecord: 'tonic env record --env uat|prod --commit SHA [--version V] [--system S] [--json]',
  bugsList: 'tonic bugs list [--status S] [--severity S] [--flow flow1|flow2] [--module M] [--limit N] [--cursor C] [--system S] [--json]',
  bugsShow: 'tonic bugs show ID [--system S] [--json]',
  bugsReport: 'tonic bugs report --title T --severity low|medium|high|critical --found-in uat|prod [--description D] [--module M] [--service NAME]... [--system S] [--json]',
  bugsConfirm: 'tonic bugs confirm ID [--flow auto|flow1|flow2] [--reason R] [--system S] [--json]',
  bugsReject: 'tonic bugs reject ID --reason R [--system S] [--json]',
  bugsClose: 'tonic bugs close ID [--reason R] [--system S] [--json]',
  bugsApproveProd: 'tonic bugs approve-prod ID... [--system S] [--json]',
  bugsApproveUatMerge: 'tonic bugs approve-uat-merge ID... [--system S] [--json]',
  bugsAttachFix: 'tonic bugs attach-fix ID (--commit SHA | --branch NAME) [--system S] [--json]',
  bugsDrop: 'tonic bugs drop ID [--reason R] [--system S] [--json]',
  plan: 'tonic plan [--system S] [--json]',
  run: 'tonic run t1|t2 [--dry-run] [--system S] [--json]',
  analyze: 'tonic analyze --bug ID [--refresh] [--system S] [--json]',
  runsList: 'tonic runs list [--slot t1|t2] [--limit N] [--cursor C] [--system S] [--json]',
  runsShow: 'tonic runs show ID [--system S] [--json]',
  check: 'tonic check [--env uat|prod] [--system S] [--json]',
  checksList: 'tonic checks list [--run ID] [--limit N] [--cursor C] [--system S] [--json]',
  checksShow: 'tonic checks show ID [--system S] [--json]',
  checksAck: 'tonic checks ack ID [--note N] [--system S] [--json]',
  releasesList: 'tonic releases list [--limit N] [--cursor C] [--system S] [--json]',
  releasesShow: 'tonic releases show ID [--system S] [--json]',
  deploymentsList: 'tonic deployments list [--run ID] [--limit N] [--cursor C] [--system S] [--json]',
  deploymentsShow: 'tonic deployments show ID [--system S] [--json]',
  freezeList: 'tonic freeze list [--all] [--limit N] [--cursor C] [--system S] [--json]',
  freezeDeclare: 'tonic freeze declare --end WHEN [--start WHEN] [--module M]... --reason R [--system S] [--json]',
  freezeLift: 'tonic freeze lift ID [--reason R] [--system S] [--json]',
  freezeCalendar: 'tonic freeze calendar [--days N] [--system S] [--json]',
  rehearse: 'tonic rehearse [--runbook] [--out FILE] [--system S] [--json]',
  rollback: 'tonic rollback --env uat|prod --impact ux|regression|data-corruption --reason R [--to TAG] [--system S] [--json]',
  rollbacksList: 'tonic rollbacks list [--limit N] [--cursor C] [--system S] [--json]',
  rollbacksShow: 'tonic rollbacks show ID [--system S] [--json]',
  rollbacksDocument: 'tonic rollbacks document ID [--root-cause TEXT] [--fix-plan TEXT] [--system S] [--json]',
  deployLock: 'tonic deploy-lock [--system S] [--json]',
  hotfixOpen: 'tonic hotfix open BUG [--system S] [--json]',
  hotfixList: 'tonic hotfix list [--status open|deploying|deployed|closed] [--limit N] [--cursor C] [--system S] [--json]',
  hotfixShow: 'tonic hotfix show ID [--system S] [--json]',
  hotfixNotify: 'tonic hotfix notify ID [--person NAME]... [--message M] [--system S] [--json]',
  hotfixApprove: 'tonic hotfix approve ID [--note N] [--system S] [--json]',
  hotfixDeploy: 'tonic hotfix deploy ID [--commit SHA [--version V] [--diff-file FILE]] [--system S] [--json]',
  hotfixUatFollowUp: 'tonic hotfix uat-follow-up ID [--commit SHA [--version V]] [--system S] [--json]',
  hotfixTick: 'tonic hotfix tick ID ITEM [--note N] [--system S] [--json]',
  hotfixNote: 'tonic hotfix note ID --root-cause TEXT --fix-summary TEXT [--system S] [--json]',
  hotfixReview: 'tonic hotfix review ID [--summary TEXT] [--system S] [--json]',
  hotfixClose: 'tonic hotfix close ID [--system S] [--json]',
  usersAdd: 'tonic users add NAME --role viewer|developer|manager|admin|cto [--display-name D] [--json]',
  usersSetPassword: 'tonic users set-password NAME --password-stdin',
  users: 'tonic users add|set-password|link-telegram …',
  tokensCreate: 'tonic tokens create USER [--name N] [--json]',
  usersLinkTelegram: 'tonic users link-telegram --user NAME [--json]',
  notificationsList: 'tonic notifications list [--status pending|sending|sent|failed|suppressed] [--channel C] [--limit N] [--cursor C] [--system S] [--json]',
  notificationsResend: 'tonic notifications resend ID [--json]',
} as const;

export const HELP = `tonic: the Tonic Deploy command line

On the server's machine (database and configuration files):
  ${USAGE.serve.padEnd(40)} start the server (HOST, PORT, TONIC_HOME, DATABASE_URL, TONIC_CONFIG)
  ${USAGE.migrate.padEnd(40)} bring the database schema up to date (--down: undo the last migration)
  ${USAGE.init.padEnd(40)} write a commented starter tonic.config.yaml
  ${USAGE.auditVerify.padEnd(40)} check the audit hash chain in the database
  ${'tonic config check'.padEnd(40)} validate the configuration and check what it points at (repositories, URLs, commands,
  ${''.padEnd(40)} Prometheus queries, analyzer, checklist targets, schedule); --send-test: a test message per channel
  ${USAGE.backup.padEnd(40)} copy the database and configuration into one file
  ${USAGE.restore.padEnd(40)} check a backup file, then replace the database with it (server stopped)

Over the API (TONIC_URL, default http://127.0.0.1:4100; TONIC_TOKEN):
  tonic systems                            the configured systems
  tonic env show                           UAT and PROD, and the flow a bug confirmed now would take
  tonic env record --env E --commit SHA    record what an environment runs (admin)
  tonic bugs list                          bugs, newest first (filters: --status --severity --flow --module)
  tonic bugs show ID                       one bug: its fix, analysis, release and history
  tonic bugs report --title T ...          report a bug
  tonic bugs confirm ID                    confirm into the pipeline (--flow, --reason for an override)
  tonic bugs reject ID --reason R          reject: not a valid bug
  tonic bugs close ID                      close manually
  tonic bugs approve-prod ID...            approve PROD deploy (Flow 1) at the next T2
  tonic bugs approve-uat-merge ID...       approve the merge back to UAT (Flow 2) at the next T2
  tonic bugs attach-fix ID --commit SHA    attach the fix: a commit, or --branch NAME (its new commits)
  tonic bugs drop ID                       take an unapproved bug out of its UAT release (admin)
  tonic plan                               what the next T1 and T2 will do, bug by bug, and why
  tonic run t1|t2                          run T1 or T2 now (admin); --dry-run: only show the plan
  tonic analyze --bug ID                   analyse a bug's fix now (manager, admin): root cause, plan, risk,
                                           what to validate; --refresh asks the model again
  tonic runs list                          T1 and T2 runs, newest first (--slot t1|t2)
  tonic runs show ID                       one run: its steps and what it did with each bug
  tonic check                              run the pre-deploy checklist now (--env uat|prod); exit 1 when it blocks
  tonic checks list                        stored checklists, newest first (--run ID: the one of a run)
  tonic checks show ID                     one checklist: each probe's result and evidence
  tonic checks ack ID                      on call: acknowledge the "deploy tonight" message of checklist ID
  tonic releases list                      releases, newest first
  tonic releases show ID                   one release with its bugs and notes
  tonic deployments list                   deployments, newest first (--run ID: those of one run)
  tonic deployments show ID                one deployment with its log
  tonic freeze list                        what is frozen now and by what; declared freezes (--all: past ones too)
  tonic freeze declare --end WHEN ...      freeze scheduled deploys (admin): --module M for some modules only;
                                           WHEN is 2026-02-05 (00:00 local), 2026-02-05T18:00 or with an offset
  tonic freeze lift ID                     lift a declared freeze now (admin)
  tonic freeze calendar                    the freeze windows of the next 90 days (--days N)
  tonic rollback --env E --impact I --reason R   roll an environment back (admin); --to TAG to choose
  tonic rollbacks list                     the rollback HISTORY, newest first
  tonic rollbacks show ID                  one rollback with SEED.md's rollback checklist
  tonic rollbacks document ID              record --root-cause and --fix-plan (admin)
  tonic deploy-lock                        is a deploy in progress? who, and what
  tonic rehearse                           rehearse both flows, a rollback and a freeze check on a scratch clone
                                           (admin; deploys recorded, not run; nothing real changes); --out FILE
                                           writes the rollback runbook; --runbook prints only the runbook
  tonic hotfix open BUG                    emergency hotfix for a high/critical bug (admin): P1/P2, SLA, branch from PROD
  tonic hotfix list | show ID              hotfixes; one with its checklist, approvals and what a deploy needs
  tonic hotfix notify ID [--person P]...   tell the team (required before the deploy)
  tonic hotfix approve ID                  approve (in a freeze: two people, one an admin)
  tonic hotfix deploy ID                   build PROD + the fix and deploy it to PROD (--commit SHA: record a hand deploy)
  tonic hotfix uat-follow-up ID            cherry-pick onto UAT (UAT ahead) or update UAT (same version)
  tonic hotfix tick ID ITEM                tick a checklist item you did (smoke_test, deployed_within_sla, ...)
  tonic hotfix note ID --root-cause T ...  the post-incident note (required to close)
  tonic hotfix review ID | close ID        the incident review was held; close the incident
  tonic users add NAME --role R            create a user (admin)
  tonic users set-password NAME --password-stdin   set the dashboard password (admin; read from stdin)
  tonic tokens create USER                 issue an API token (printed once)
  tonic users link-telegram --user NAME    a one-time code: send /link CODE to the Telegram bot
  tonic notifications list                 notification deliveries (--status failed: what did not go out, and why)
  tonic notifications resend ID            send a failed notification again (admin)

Options of the API commands:
  --url URL       the server (overrides TONIC_URL)
  --token TOKEN   the API token (overrides TONIC_TOKEN; TONIC_ADMIN_TOKEN is used when neither is set)
  --system S      the system (overrides TONIC_SYSTEM; not needed when the server has one system)
  --json          print the API's JSON instead of text, for scripts

Exit status: 0 done, 1 refused or failed (the reason is on stderr), 2 wrong usage.
\`tonic COMMAND --help\` prints that command's usage.`;
