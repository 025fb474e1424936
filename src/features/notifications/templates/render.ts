/**
 * One template per notified event, in Traditional Chinese and English. `renderMessage` is pure:
 * the payloads carry everything a message needs, so rendering reads no database and no clock.
 */
import { BUG_TEMPLATES } from './bug-templates.ts';
import { createPayloadReader, type RenderContext, type RenderedMessage } from './message-format.ts';
import type { NotifiedEvent } from './notified-events.ts';
import { OPERATIONS_TEMPLATES } from './operations-templates.ts';
import { PIPELINE_TEMPLATES } from './pipeline-templates.ts';
import type { Template } from './template-types.ts';

export const TEMPLATES: Record<NotifiedEvent, Template> = { ...BUG_TEMPLATES, ...PIPELINE_TEMPLATES, ...OPERATIONS_TEMPLATES };

/**
 * Events a run emits once per bug, delivered as one message per run and channel listing them all
 * (their payloads carry the run's id).
 */
export const DIGEST_EVENTS: readonly NotifiedEvent[] = ['bug.rerouted', 'bug.conflict', 'bug.fix_missing'];

/**
 * The message for `event` from its payload (several, oldest first, for a digest). Throws
 * MissingPlaceholderError naming every value a template needed and did not find.
 */
export function renderMessage(event: NotifiedEvent, payloads: readonly Record<string, unknown>[], ctx: RenderContext): RenderedMessage {
  if (payloads.length === 0) throw new Error(`renderMessage(${event}) needs at least one payload`);
  const readers = payloads.map((payload) => createPayloadReader(event, payload, ctx.timeZone));
  const rendered = TEMPLATES[event]({ p: readers[0]!, all: readers, ctx, zh: ctx.language === 'zh-Hant' });
  for (const r of readers) r.finish();
  return rendered;
}
