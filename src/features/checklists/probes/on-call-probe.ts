/**
 * 3. On-call reachable: the person on call for the slot is set and has a channel, and when an
 * acknowledgement is configured, they acknowledged the night's "deploy tonight" message in time.
 * The service asks for the acknowledgement and hands its state in the context.
 */
import type { OnCallProbeConfig } from '../checklist-config.ts';
import { judgeOnCall, nightT1, onCallAt, outcome } from '../checklist-rules.ts';
import type { Probe } from './probe.ts';

export function createOnCallProbe(config: OnCallProbeConfig): Probe {
  return {
    name: 'onCall',
    budgetMs: config.timeoutMs,
    async run(ctx) {
      const { timeZone, t1 } = ctx.system;
      const judgement = judgeOnCall({
        onCall: onCallAt(config, ctx.slotAt, timeZone),
        slotAt: ctx.slotAt,
        at: ctx.at,
        timeZone,
        acknowledgeWithinMinutes: config.acknowledgeWithinMinutes,
        t1At: nightT1(ctx.slot, ctx.slotAt, timeZone, t1),
        ack: ctx.ack,
      });
      return outcome(judgement, ctx.at);
    },
  };
}
