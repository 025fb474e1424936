import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, scrubSecrets, secretValuesIn, withLogContext } from './logger.ts';

describe('logger', () => {
  test('masks URL passwords, Bearer tokens, secret query parameters and known secret values', () => {
    assert.equal(scrubSecrets('connect to postgres://tonic:s3cr%40t@db.internal:5432/tonic failed'), 'connect to postgres://tonic:[redacted]@db.internal:5432/tonic failed');
    assert.equal(scrubSecrets('authorization: Bearer tonic_abc.DEF-123'), 'authorization: Bearer [redacted]');
    assert.equal(scrubSecrets('GET /api/v1/events?system=shop&token=abc123&x=1'), 'GET /api/v1/events?system=shop&token=[redacted]&x=1');
    assert.equal(scrubSecrets('the bot 123456:ABCDEF answered 401', ['123456:ABCDEF']), 'the bot [redacted] answered 401');
  });

  test('every line carries the ids of its context; keys that hold secrets are redacted', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) }, secrets: ['hunter2-hunter2'] });
    withLogContext({ reqId: 'r-1' }, () => withLogContext({ runId: 7 }, () => logger.info({ password: 'x', nested: { token: 'y' } }, 'step with hunter2-hunter2')));
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(inside!.reqId, 'r-1');
    assert.equal(inside!.runId, 7);
    assert.equal(inside!.password, '[redacted]');
    assert.deepEqual(inside!.nested, { token: '[redacted]' });
    assert.equal(inside!.msg, 'step with [redacted]');
    assert.equal(outside!.runId, undefined);
  });

  test('the secret values of a configuration are found by the keys that hold them', () => {
    const config = { systems: [{ channels: [{ kind: 'webhook', url: 'https://h.example', secret: 'wh-secret' }, { kind: 'slack', webhookUrl: 'https://hooks.slack.com/T/B/x' }], analyzer: { apiKey: 'sk-1' } }], channels: { smtp: { password: 'pw' }, telegramBots: [{ token: '1:AB' }] } };
    assert.deepEqual(secretValuesIn(config).sort(), ['1:AB', 'https://hooks.slack.com/T/B/x', 'pw', 'sk-1', 'wh-secret']);
  });
});
