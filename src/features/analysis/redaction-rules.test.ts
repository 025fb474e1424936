import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_NEVER_SEND } from '../../config/config-schema.ts';
import { neverSendMatch, redactDiff, redactText } from './redaction-rules.ts';

const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DB_PASSWORD = 's3cr3t-Pa55w0rd';
const PEM_BODY = ['MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF0qQ6WmZ3', 'qE4L2hTz9Ck1pYQz8yNnPx0aW2eJt7yXkz3lq4rM5vT0u', 'Yq6t9H1b2N3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R9s'];
const ENV_PASSWORD = 'env-file-password-77';
const ENV_TOKEN = 'tok_0f9e8d7c6b5a4f3e2d1c';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9abcdef0123456789';
const GITHUB_TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

/** A fix as `git show` prints it: config with an AWS key pair, a connection string, a PEM key in a .key file and a .pem file, an .env file and an app.env file. */
const DIFF = [
  'commit 0123456789abcdef0123456789abcdef01234567',
  '',
  '    fix: connect to the billing database',
  '',
  'diff --git a/src/config.ts b/src/config.ts',
  'index 1111111..2222222 100644',
  '--- a/src/config.ts',
  '+++ b/src/config.ts',
  '@@ -1,3 +1,6 @@',
  " export const region = 'eu-west-1';",
  `-export const accessKeyId = '${AWS_KEY_ID}';`,
  '+export const accessKeyId = process.env.AWS_ACCESS_KEY_ID;',
  `+const awsSecretAccessKey = "${AWS_SECRET}";`,
  `+export const databaseUrl = 'postgres://billing:${DB_PASSWORD}@db.internal:5432/billing';`,
  `+const headers = { Authorization: 'Bearer ${BEARER}' };`,
  '+const password = request.body.password; // code, not a secret',
  'diff --git a/certs/server.key b/certs/server.key',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/certs/server.key',
  '@@ -0,0 +1,5 @@',
  '+-----BEGIN RSA PRIVATE KEY-----',
  ...PEM_BODY.map((l) => `+${l}`),
  '+-----END RSA PRIVATE KEY-----',
  'diff --git a/deploy/tls.pem b/deploy/tls.pem',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/deploy/tls.pem',
  '@@ -0,0 +1,3 @@',
  '+-----BEGIN CERTIFICATE-----',
  '+MIIC0zCCAbugAwIBAgIJAKZ',
  '+-----END CERTIFICATE-----',
  'diff --git a/.env.production b/.env.production',
  '--- a/.env.production',
  '+++ b/.env.production',
  '@@ -1,2 +1,2 @@',
  ` DB_USER=billing`,
  `-DB_PASSWORD=old-${ENV_PASSWORD}`,
  `+DB_PASSWORD=${ENV_PASSWORD}`,
  'diff --git a/config/app.env b/config/app.env',
  '--- a/config/app.env',
  '+++ b/config/app.env',
  '@@ -1,2 +1,3 @@',
  ' # settings for the worker',
  `+WORKER_TOKEN=${ENV_TOKEN}`,
  '+DB_HOST=${DB_HOST}',
  'diff --git a/docs/setup.md b/docs/setup.md',
  '--- a/docs/setup.md',
  '+++ b/docs/setup.md',
  '@@ -10,1 +10,2 @@',
  ' Run the importer with:',
  `+curl -H "Authorization: token ${GITHUB_TOKEN}" https://api.github.com/user`,
  '+password: hunter2hunter2',
  '',
].join('\n');

const SECRETS = [AWS_KEY_ID, AWS_SECRET, DB_PASSWORD, ...PEM_BODY, ENV_PASSWORD, ENV_TOKEN, BEARER, GITHUB_TOKEN, 'hunter2hunter2'];

describe('redaction of a diff before it is sent', () => {
  const result = redactDiff(DIFF, [...DEFAULT_NEVER_SEND]);

  test('no secret survives: AWS key pair, connection-string password, PEM private key, env values, tokens', () => {
    for (const secret of SECRETS) assert.ok(!result.text.includes(secret), `${secret} leaked:\n${result.text}`);
  });

  test('each secret is replaced by a marker naming its kind, and listed with its file and line, never its value', () => {
    assert.match(result.text, /^-export const accessKeyId = '\[REDACTED:aws-access-key\]';$/m);
    assert.match(result.text, /^\+const awsSecretAccessKey = "\[REDACTED:aws-secret-key\]";$/m);
    assert.match(result.text, /postgres:\/\/billing:\[REDACTED:connection-string-password\]@db\.internal:5432\/billing/);
    assert.match(result.text, /Authorization: 'Bearer \[REDACTED:authorization-header\]'/);
    assert.match(result.text, /^\+\[REDACTED:private-key\]$/m);
    assert.match(result.text, /^\+WORKER_TOKEN=\[REDACTED:env-value\]$/m);
    const byKind = (kind: string) => result.redactions.filter((r) => r.kind === kind);
    assert.deepEqual(byKind('aws-access-key'), [{ kind: 'aws-access-key', where: 'diff', file: 'src/config.ts', line: 2 }]);
    assert.deepEqual(byKind('private-key'), [{ kind: 'private-key', where: 'diff', file: 'certs/server.key', line: 1 }]);
    assert.deepEqual(byKind('connection-string-password').map((r) => [r.file, r.line]), [['src/config.ts', 4]]);
    assert.deepEqual(byKind('token').map((r) => [r.file, r.line]), [['docs/setup.md', 11]]);
    assert.ok(byKind('secret-value').some((r) => r.file === 'docs/setup.md' && r.line === 12), JSON.stringify(result.redactions));
    assert.ok(!JSON.stringify(result.redactions).includes(DB_PASSWORD));
  });

  test('files matching a never-send glob are withheld whole, named with the pattern', () => {
    assert.deepEqual(result.withheld, [
      { file: 'deploy/tls.pem', pattern: '*.pem' },
      { file: '.env.production', pattern: '.env*' },
    ]);
    assert.match(result.text, /^\(withheld: deploy\/tls\.pem matches the never-send pattern "\*\.pem"; its changes are not sent\)$/m);
    assert.ok(!result.text.includes('MIIC0zCCAbugAwIBAgIJAKZ'), 'nothing of a withheld file is sent');
    assert.ok(!result.text.includes('DB_USER=billing'), 'nothing of a withheld file is sent, secret or not');
  });

  test('the code around the secrets is kept, so the model can still read the change', () => {
    assert.match(result.text, /^ export const region = 'eu-west-1';$/m);
    assert.match(result.text, /^\+export const accessKeyId = process\.env\.AWS_ACCESS_KEY_ID;$/m);
    assert.match(result.text, /^\+const password = request\.body\.password; \/\/ code, not a secret$/m);
    assert.match(result.text, /^\+DB_HOST=\$\{DB_HOST\}$/m, 'a placeholder names a secret without holding one');
    assert.match(result.text, /^ {4}fix: connect to the billing database$/m);
    assert.match(result.text, /^@@ -1,3 \+1,6 @@$/m);
  });

  test('configured globs add to the defaults; a pattern with a slash matches the whole path', () => {
    const more = redactDiff(DIFF, [...DEFAULT_NEVER_SEND, 'docs/**', 'server.key']);
    assert.deepEqual(more.withheld.map((w) => w.file).sort(), ['.env.production', 'certs/server.key', 'deploy/tls.pem', 'docs/setup.md']);
    assert.equal(neverSendMatch('config/.env', ['.env*']), '.env*');
    assert.equal(neverSendMatch('a/b/secrets.pem', ['*.pem']), '*.pem');
    assert.equal(neverSendMatch('docs/setup.md', ['setup/**']), null);
    assert.equal(neverSendMatch('src/environment.ts', ['.env*']), null);
  });

  test('a renamed secret file is withheld by its old name too', () => {
    const renamed = redactDiff(['diff --git a/.env b/config.txt', 'similarity index 90%', 'rename from .env', 'rename to config.txt', '@@ -1 +1 @@', '-A=1', '+SECRET_THING=plain'].join('\n'), ['.env*']);
    assert.deepEqual(renamed.withheld, [{ file: 'config.txt', pattern: '.env*' }]);
    assert.ok(!renamed.text.includes('plain'));
  });
});

describe('redaction of free text (titles, descriptions, commit messages)', () => {
  test('a description with a key, a password and a whole private key', () => {
    const text = [
      'Login fails on PROD since the deploy.',
      `Reproduce with AWS_ACCESS_KEY_ID=${AWS_KEY_ID} and mysql://root:${DB_PASSWORD}@10.0.0.5/app`,
      'password=hunter2hunter2',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      ...PEM_BODY,
      '-----END OPENSSH PRIVATE KEY-----',
      'Thanks!',
    ].join('\n');
    const { text: out, redactions } = redactText(text, 'description');
    for (const secret of [AWS_KEY_ID, DB_PASSWORD, 'hunter2hunter2', ...PEM_BODY]) assert.ok(!out.includes(secret), `${secret} leaked:\n${out}`);
    assert.equal(out.split('\n').at(-1), 'Thanks!');
    assert.equal(out.split('\n')[0], 'Login fails on PROD since the deploy.');
    assert.deepEqual(
      redactions.map((r) => [r.kind, r.line]),
      [
        ['aws-access-key', 2],
        ['connection-string-password', 2],
        ['secret-value', 3],
        ['private-key', 4],
      ],
    );
  });

  test('text without secrets is unchanged', () => {
    const text = 'The discount code field rejects lower-case codes.\nSteps: enter "save10" and press apply; token count is 3.';
    assert.deepEqual(redactText(text, 'description'), { text, redactions: [] });
  });
});
