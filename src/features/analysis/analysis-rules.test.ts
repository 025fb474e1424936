import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinAnalysis, type FixFacts } from '../../adapters/analyze/diff-analyzer.ts';
import { DEFAULT_NEVER_SEND } from '../../config/config-schema.ts';
import { buildPrompt, fixKey, mergeAnswer, parseModelAnswer, withFallback, type ModelAnswer } from './analysis-rules.ts';

const BUG = { id: 7, title: 'Discount codes ignored', description: 'Enter save10 at checkout: no discount.', severity: 'medium' as const, foundInEnv: 'prod' as const, module: 'checkout', fixFlow: 'flow1' as const };

const FACTS: FixFacts = {
  files: [
    { file: 'src/discount.js', added: 1, removed: 1 },
    { file: '.env', added: 1, removed: 0 },
  ],
  commits: [{ id: 'a'.repeat(40), message: 'fix: compare codes in upper case\n\nThe key AKIAIOSFODNN7EXAMPLE was in the old test.' }],
  diff: [
    `commit ${'a'.repeat(40)}`,
    '',
    '    fix: compare codes in upper case',
    '',
    'diff --git a/src/discount.js b/src/discount.js',
    '--- a/src/discount.js',
    '+++ b/src/discount.js',
    '@@ -1 +1 @@',
    '-const match = codes.includes(code);',
    '+const match = codes.includes(code.toUpperCase());',
    'diff --git a/.env b/.env',
    '--- a/.env',
    '+++ b/.env',
    '@@ -0,0 +1 @@',
    '+STRIPE_KEY=sk_live_abcdefghijklmnop1234',
    '',
  ].join('\n'),
};

const ANSWER: ModelAnswer = {
  rootCause: 'Case-sensitive comparison.',
  fixPlan: 'Upper-case before comparing.',
  risk: { level: 'low', reasons: ['tiny change'] },
  validationSteps: [{ env: 'uat', check: 'Apply save10' }],
  migrationInvolved: false,
};

describe('the prompt', () => {
  test('carries the bug, the files, the commits and the diff, redacted, with the withheld files named', () => {
    const prompt = buildPrompt({ bug: { ...BUG, title: 'Login with password=hunter2hunter2 fails' }, services: ['web'], facts: FACTS, neverSend: [...DEFAULT_NEVER_SEND], maxInputChars: 40_000 });
    assert.equal(prompt.messages[0]!.role, 'system');
    const user = JSON.parse(prompt.messages[1]!.content);
    assert.deepEqual(user.bug, { id: 7, title: 'Login with password=[REDACTED:secret-value] fails', description: BUG.description, severity: 'medium', foundIn: 'prod', module: 'checkout', flow: 'flow1', validateIn: 'uat' });
    assert.deepEqual(user.files, [
      { path: 'src/discount.js', added: 1, removed: 1 },
      { path: '.env', added: 1, removed: 0, withheld: true },
    ]);
    assert.deepEqual(user.services, ['web']);
    assert.equal(user.commits[0].id, 'aaaaaaaaaaaa');
    assert.match(user.commits[0].message, /The key \[REDACTED:aws-access-key\] was in the old test/);
    assert.match(user.diff, /\+const match = codes\.includes\(code\.toUpperCase\(\)\);/);
    assert.doesNotMatch(prompt.messages[1]!.content, /sk_live|AKIAIOSFODNN7EXAMPLE|hunter2hunter2/);
    assert.deepEqual(prompt.withheld, [{ file: '.env', pattern: '.env*' }]);
    assert.deepEqual(
      prompt.redactions.map((r) => [r.kind, r.where]),
      [
        ['secret-value', 'title'],
        ['aws-access-key', 'commit-message'],
      ],
    );
    assert.equal(prompt.diffCut, 0);
  });

  test('a Flow 2 bug is validated in PROD', () => {
    const user = JSON.parse(buildPrompt({ bug: { ...BUG, fixFlow: 'flow2' }, services: [], facts: FACTS, neverSend: [], maxInputChars: 40_000 }).messages[1]!.content);
    assert.equal(user.bug.validateIn, 'prod');
  });

  test('a diff larger than maxInputChars is cut at a line end, and the cut is said', () => {
    const big: FixFacts = { ...FACTS, diff: FACTS.diff + Array.from({ length: 4000 }, (_, i) => `+line ${i} of a long generated file`).join('\n') };
    const prompt = buildPrompt({ bug: BUG, services: [], facts: big, neverSend: [], maxInputChars: 5000 });
    const content = prompt.messages[1]!.content;
    assert.ok(content.length <= 5000, `${content.length} characters`);
    assert.ok(prompt.diffCut > 100_000);
    const diff = JSON.parse(content).diff as string;
    assert.match(diff, new RegExp(`\\n… \\(diff cut here: ${prompt.diffCut} more characters not sent\\)$`));
    assert.match(diff.split('\n').at(-2)!, /^\+line \d+ of a long generated file$/, 'cut between lines');
  });
});

describe("the model's answer", () => {
  test('JSON matching the schema is accepted, also inside a ```json fence', () => {
    assert.deepEqual(parseModelAnswer(JSON.stringify(ANSWER)), { ok: true, answer: ANSWER });
    assert.deepEqual(parseModelAnswer('```json\n' + JSON.stringify(ANSWER, null, 2) + '\n```'), { ok: true, answer: ANSWER });
  });

  test('not JSON, missing fields, or a wrong value: refused with what is wrong', () => {
    const prose = parseModelAnswer('The root cause is a case-sensitive comparison.');
    assert.equal(prose.ok, false);
    assert.match(!prose.ok ? prose.message : '', /^the answer is not JSON \(/);
    const missing = parseModelAnswer(JSON.stringify({ rootCause: 'x', fixPlan: 'y' }));
    assert.match(!missing.ok ? missing.message : '', /^the answer does not match the schema: .*\/risk is missing.*\/validationSteps is missing/);
    const wrong = parseModelAnswer(JSON.stringify({ ...ANSWER, risk: { level: 'severe', reasons: [] } }));
    assert.match(!wrong.ok ? wrong.message : '', /\/risk\/level/);
    const empty = parseModelAnswer(JSON.stringify({ ...ANSWER, validationSteps: [] }));
    assert.match(!empty.ok ? empty.message : '', /\/validationSteps/);
  });
});

describe('combining the answer with the built-in analysis', () => {
  const small = builtinAnalysis({ files: [{ file: 'a.js', added: 1, removed: 1 }], commits: [], diff: '' }, { services: ['web'], bug: BUG });
  const migration = builtinAnalysis({ files: [{ file: 'db/migrations/0002.sql', added: 3, removed: 0 }], commits: [], diff: '' }, { services: [], bug: BUG });

  test("the model's assessment over the facts from git", () => {
    const merged = mergeAnswer(small, ANSWER, { model: 'gpt-test', at: '2026-11-26T12:00:00.000Z' });
    assert.equal(merged.source, 'model');
    assert.equal(merged.model, 'gpt-test');
    assert.equal(merged.rootCause, 'Case-sensitive comparison.');
    assert.deepEqual(merged.validationSteps, ANSWER.validationSteps);
    assert.deepEqual(merged.files, ['a.js']);
    assert.equal(merged.risk, 'low');
    assert.equal(merged.fallback, null);
  });

  test('the built-in risk is a floor: a migration stays high and involved whatever the model says', () => {
    const merged = mergeAnswer(migration, ANSWER, { model: 'gpt-test', at: '2026-11-26T12:00:00.000Z' });
    assert.equal(merged.risk, 'high');
    assert.equal(merged.migrationInvolved, true);
    assert.match(merged.riskReasons.at(-1)!, /^raised from low to high by the built-in check: touches 1 migration file/);
  });

  test('a fallback keeps the built-in analysis and says why', () => {
    const fallback = withFallback(small, 'gpt-test gave no answer within 60 s');
    assert.equal(fallback.source, 'builtin');
    assert.equal(fallback.fallback, 'the language model was not used: gpt-test gave no answer within 60 s; this is the built-in analysis');
    assert.equal(fallback.validationSteps[0]!.env, 'uat');
    assert.match(fallback.validationSteps[0]!.check, /Discount codes ignored/);
  });

  test('the cache key is the set of commits, in any order', () => {
    assert.equal(fixKey(['b', 'a']), fixKey(['a', 'b', 'a']));
    assert.notEqual(fixKey(['a']), fixKey(['a', 'c']));
  });
});
