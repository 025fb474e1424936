import type { PayloadReader, RenderContext, RenderedMessage } from './message-format.ts';

export type TemplateInput = {
  /** The message's payload. */
  p: PayloadReader;
  /**
   * Every payload the message carries: one, or for a digest (the bugs a run skipped, say) all of
   * them, oldest first; `p` is the first.
   */
  all: readonly PayloadReader[];
  ctx: RenderContext;
  /** Traditional Chinese (else English). */
  zh: boolean;
};

export type Template = (input: TemplateInput) => RenderedMessage;
