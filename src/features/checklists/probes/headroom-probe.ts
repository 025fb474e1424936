/**
 * 7. Host headroom: free disk and memory used, from a command run on the host (by default this
 * machine's `df -Pk /` and /proc/meminfo) or from Prometheus node exporter metrics.
 */
import type { HeadroomProbeConfig, HeadroomSource } from '../checklist-config.ts';
import { judgeHeadroom, outcome, parseHostReport, type HostMeasure } from '../checklist-rules.ts';
import { commandValues, describeCommand, queryPrometheus, runCommand, type Probe, type ProbeContext } from './probe.ts';

type PrometheusSource = Extract<HeadroomSource, { kind: 'prometheus' }>;

/** The default PromQL on node exporter metrics, narrowed to one instance and mount point. */
export function headroomQueries(s: PrometheusSource): { disk: string; memory: string } {
  const instance = s.instance ? `instance=${JSON.stringify(s.instance)}` : '';
  const filesystem = `{${[`mountpoint=${JSON.stringify(s.mountpoint)}`, instance].filter(Boolean).join(',')}}`;
  const host = instance ? `{${instance}}` : '';
  return {
    disk: s.diskQuery ?? `100 * node_filesystem_avail_bytes${filesystem} / node_filesystem_size_bytes${filesystem}`,
    memory: s.memoryQuery ?? `100 * (1 - node_memory_MemAvailable_bytes${host} / node_memory_MemTotal_bytes${host})`,
  };
}

async function fromPrometheus(s: PrometheusSource, timeoutMs: number, ctx: ProbeContext): Promise<HostMeasure & { source: string }> {
  const q = headroomQueries(s);
  const notes: string[] = [];
  const ask = async (what: string, promql: string, pick: (values: number[]) => number) => {
    try {
      const series = await queryPrometheus(s.url, promql, timeoutMs, ctx.signal);
      const values = series.map((x) => x.value).filter((v) => Number.isFinite(v));
      if (values.length === 0) {
        notes.push(`the ${what} query returned no series (${promql}): is node exporter scraped${s.instance ? ` for instance ${s.instance}` : ''}?`);
        return null;
      }
      // Several hosts or filesystems: the tightest one decides.
      return Math.round(pick(values) * 10) / 10;
    } catch (error) {
      notes.push((error as Error).message);
      return null;
    }
  };
  const [diskFreePercent, memoryUsedPercent] = await Promise.all([ask('disk', q.disk, (v) => Math.min(...v)), ask('memory', q.memory, (v) => Math.max(...v))]);
  return { diskFreePercent, memoryUsedPercent, notes, source: `Prometheus at ${s.url}` };
}

export function createHeadroomProbe(config: HeadroomProbeConfig): Probe {
  return {
    name: 'headroom',
    budgetMs: config.timeoutMs,
    async run(ctx) {
      const limits = { minDiskFreePercent: config.minDiskFreePercent, maxMemoryUsedPercent: config.maxMemoryUsedPercent };
      const source = config.source;
      if (source.kind === 'prometheus') {
        const m = await fromPrometheus(source, config.timeoutMs, ctx);
        return outcome(judgeHeadroom(m, limits, m.source), ctx.at);
      }
      const r = await runCommand(source.command, { cwd: config.workdir, timeoutMs: config.timeoutMs, values: commandValues(ctx), signal: ctx.signal });
      const described = describeCommand(source.command, r);
      if (r.error || r.code !== 0) {
        return outcome({ result: 'fail', measured: { diskFreePercent: null, memoryUsedPercent: null }, detail: `the host command failed: ${described}` }, ctx.at);
      }
      return outcome(judgeHeadroom(parseHostReport(r.stdout), limits, source.label), ctx.at);
    },
  };
}
