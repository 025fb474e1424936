/**
 * 1. DB backup: finds the newest backup (a command's answer, a file's modification time, the
 * newest matching file of a folder, or a URL's Last-Modified / JSON field); when it is too old,
 * runs the configured backup command now and looks again.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { BackupProbeConfig } from '../checklist-config.ts';
import { backupIsStale, instantFromJsonValue, judgeBackup, jsonField, outcome, parseBackupTime, type BackupSighting } from '../checklist-rules.ts';
import { commandValues, describeCommand, describeFetchError, fetchWithin, runCommand, type Probe, type ProbeContext } from './probe.ts';

export function createBackupProbe(config: BackupProbeConfig): Probe {
  async function sight(ctx: ProbeContext): Promise<BackupSighting> {
    const source = config.source;
    switch (source.kind) {
      case 'file': {
        try {
          const s = await stat(source.path);
          if (!s.isFile()) return { newest: null, why: `${source.path} is not a file` };
          return { newest: s.mtime, where: source.path };
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          return { newest: null, why: code === 'ENOENT' ? `no backup file at ${source.path}` : `cannot read ${source.path}: ${code ?? String(error)}` };
        }
      }
      case 'folder': {
        let names: string[];
        try {
          names = await readdir(source.path);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          return { newest: null, why: code === 'ENOENT' ? `the backup folder ${source.path} does not exist` : `cannot list ${source.path}: ${code ?? String(error)}` };
        }
        let newest: { at: Date; name: string } | null = null;
        const matches = picomatch(source.pattern, { dot: true });
        for (const name of names.filter((n) => matches(n))) {
          const s = await stat(join(source.path, name)).catch(() => null);
          if (s?.isFile() && (!newest || s.mtime > newest.at)) newest = { at: s.mtime, name };
        }
        if (!newest) return { newest: null, why: `no file in ${source.path} matches ${source.pattern}` };
        return { newest: newest.at, where: join(source.path, newest.name) };
      }
      case 'command': {
        const r = await runCommand(source.command, { cwd: config.workdir, timeoutMs: config.timeoutMs, values: commandValues(ctx), signal: ctx.signal });
        if (r.error || r.code !== 0) return { newest: null, why: `the command that finds the newest backup failed: ${describeCommand(source.command, r)}` };
        const at = parseBackupTime(r.stdout);
        if (!at) {
          const said = r.stdout.trim().split('\n').at(-1) ?? '';
          return { newest: null, why: `the command printed ${JSON.stringify(said.slice(0, 80))}, which is not an ISO-8601 time or epoch seconds` };
        }
        return { newest: at, where: `per \`${source.command.join(' ')}\`` };
      }
      case 'url': {
        let res: Response;
        try {
          res = await fetchWithin(source.url, config.timeoutMs, ctx.signal);
        } catch (error) {
          return { newest: null, why: describeFetchError(source.url, error, config.timeoutMs) };
        }
        const text = await res.text().catch(() => '');
        if (!res.ok) return { newest: null, why: `${source.url} answered HTTP ${res.status}` };
        if (source.jsonField) {
          let value: unknown;
          try {
            value = jsonField(JSON.parse(text), source.jsonField);
          } catch {
            return { newest: null, why: `${source.url} did not answer JSON, so it has no field ${source.jsonField}` };
          }
          if (value === undefined) return { newest: null, why: `${source.url} answered JSON without the field ${source.jsonField}` };
          const at = instantFromJsonValue(value);
          if (!at) return { newest: null, why: `${source.url}: ${source.jsonField} is ${JSON.stringify(value)?.slice(0, 60)}, not a time` };
          return { newest: at, where: `${source.url} ${source.jsonField}` };
        }
        const modified = res.headers.get('last-modified');
        const at = modified ? new Date(modified) : null;
        if (!at || Number.isNaN(at.getTime())) return { newest: null, why: `${source.url} answered without a readable Last-Modified header (set jsonField to read the time from its body)` };
        return { newest: at, where: `${source.url} Last-Modified` };
      }
    }
  }

  return {
    name: 'backup',
    budgetMs: config.timeoutMs * 2 + (config.backupCommand ? config.backupTimeoutMs : 0),
    async run(ctx) {
      const first = await sight(ctx);
      if (!backupIsStale(first, ctx.at, config.maxAgeMinutes) || !config.backupCommand) {
        return outcome(judgeBackup(first, ctx.at, config.maxAgeMinutes), ctx.at);
      }
      const r = await runCommand(config.backupCommand, { cwd: config.workdir, timeoutMs: config.backupTimeoutMs, values: commandValues(ctx), signal: ctx.signal });
      const again = await sight(ctx);
      const ran = { before: first, exitCode: r.code, detail: describeCommand(config.backupCommand, r) };
      return outcome(judgeBackup(again, ctx.at, config.maxAgeMinutes, ran), ctx.at);
    },
  };
}
