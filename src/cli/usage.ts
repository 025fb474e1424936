/**
 * The help text and each command's usage line; usage errors print the line of the command at fault.
 */
export const USAGE = {
  serve: 'tonic serve',
  migrate: 'tonic migrate [--down]',
  init: 'tonic init [--path FILE] [--force]',
  auditVerify: 'tonic audit verify [--json]',
  backup: 'tonic backup [--out FILE] [--json]',
  configCheck: 'tonic config check [--file FILE] [--timeout SECONDS] [--json]',
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
  releasesList: 'tonic releases list [--limit N] [--cursor C] [--system S] [--json]',
  releasesShow: 'tonic releases show ID [--system S] [--json]',
  deploymentsList: 'tonic deployments list [--run ID] [--limit N] [--cursor C] [--system S] [--json]',
  deploymentsShow: 'tonic deployments show ID [--system S] [--json]',
  usersAdd: 'tonic users add NAME --role viewer|developer|manager|admin|cto [--display-name D] [--json]',
  tokensCreate: 'tonic tokens create USER [--name N] [--json]',
} as const;

export const HELP = `tonic: the Tonic Deploy command line

On the server's machine (database and configuration files):
  ${USAGE.serve.padEnd(40)} start the server (HOST, PORT, TONIC_HOME, DATABASE_URL, TONIC_CONFIG)
  ${USAGE.migrate.padEnd(40)} bring the database schema up to date (--down: undo the last migration)
  ${USAGE.init.padEnd(40)} write a commented starter tonic.config.yaml
  ${USAGE.auditVerify.padEnd(40)} check the audit hash chain in the database
  ${'tonic config check'.padEnd(40)} validate the configuration and check what it points at (repositories, URLs, commands, schedule)
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
  tonic releases list                      releases, newest first
  tonic releases show ID                   one release with its bugs and notes
  tonic deployments list                   deployments, newest first (--run ID: those of one run)
  tonic deployments show ID                one deployment with its log
  tonic users add NAME --role R            create a user (admin)
  tonic tokens create USER                 issue an API token (printed once)

Options of the API commands:
  --url URL       the server (overrides TONIC_URL)
  --token TOKEN   the API token (overrides TONIC_TOKEN; TONIC_ADMIN_TOKEN is used when neither is set)
  --system S      the system (overrides TONIC_SYSTEM; not needed when the server has one system)
  --json          print the API's JSON instead of text, for scripts

Exit status: 0 done, 1 refused or failed (the reason is on stderr), 2 wrong usage.
\`tonic COMMAND --help\` prints that command's usage.`;
