/**
 * The backup file: one gzip stream holding a magic line, a manifest (one JSON line) and the parts
 * it lists, byte for byte, in order. The manifest carries each part's size and SHA-256, so a
 * truncated, damaged or foreign file is recognised before anything is replaced. Pure: bytes in,
 * bytes out.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

export const BACKUP_MAGIC = 'TONIC-DEPLOY-BACKUP';
export const BACKUP_FORMAT = 1;

export type BackupPart = { name: string; bytes: number; sha256: string };

export type BackupManifest = {
  product: 'tonic-deploy';
  format: number;
  createdAt: string;
  dialect: 'sqlite' | 'postgres';
  /** Where the copy came from, password removed. */
  source: string;
  /** Migrations applied to the copied database, in order: the schema version is the last. */
  migrations: string[];
  parts: BackupPart[];
};

export class BackupFileError extends Error {
  override name = 'BackupFileError';
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function encodeBackup(meta: Omit<BackupManifest, 'product' | 'format' | 'parts'>, parts: { name: string; content: Buffer }[]): Buffer {
  const manifest: BackupManifest = {
    product: 'tonic-deploy',
    format: BACKUP_FORMAT,
    ...meta,
    parts: parts.map((p) => ({ name: p.name, bytes: p.content.length, sha256: sha256(p.content) })),
  };
  const head = Buffer.from(`${BACKUP_MAGIC} ${BACKUP_FORMAT}\n${JSON.stringify(manifest)}\n`, 'utf8');
  return gzipSync(Buffer.concat([head, ...parts.map((p) => p.content)]));
}

/** Checks everything the file claims about itself; throws BackupFileError saying what is wrong. */
export function decodeBackup(file: Buffer, from = 'the backup file'): { manifest: BackupManifest; parts: Map<string, Buffer> } {
  let raw: Buffer;
  try {
    raw = gunzipSync(file);
  } catch (error) {
    const reason = (error as Error).message;
    throw new BackupFileError(
      /end of file/i.test(reason)
        ? `${from} is truncated (${reason}): copy the whole file again`
        : /header check/i.test(reason)
          ? `${from} is not a Tonic Deploy backup (${reason}): give a file written by \`tonic backup\``
          : `${from} is damaged (${reason}): use another copy`,
    );
  }
  const firstNewline = raw.indexOf(0x0a);
  const magic = raw.subarray(0, firstNewline < 0 ? Math.min(raw.length, 64) : firstNewline).toString('utf8');
  if (!magic.startsWith(`${BACKUP_MAGIC} `)) {
    throw new BackupFileError(`${from} is not a Tonic Deploy backup (it does not start with "${BACKUP_MAGIC}"): give a file written by \`tonic backup\``);
  }
  const format = Number(magic.slice(BACKUP_MAGIC.length + 1));
  if (format !== BACKUP_FORMAT) {
    throw new BackupFileError(`${from} uses backup format ${magic.slice(BACKUP_MAGIC.length + 1)}; this version reads format ${BACKUP_FORMAT}: restore it with the version that wrote it`);
  }
  const secondNewline = raw.indexOf(0x0a, firstNewline + 1);
  if (secondNewline < 0) throw new BackupFileError(`${from} is truncated: its manifest is incomplete`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(raw.subarray(firstNewline + 1, secondNewline).toString('utf8')) as BackupManifest;
  } catch {
    throw new BackupFileError(`${from} is damaged: its manifest is not valid JSON`);
  }
  if (manifest.product !== 'tonic-deploy' || !Array.isArray(manifest.parts) || !Array.isArray(manifest.migrations)) {
    throw new BackupFileError(`${from} has a manifest that is not Tonic Deploy's`);
  }
  const parts = new Map<string, Buffer>();
  let offset = secondNewline + 1;
  for (const part of manifest.parts) {
    const content = raw.subarray(offset, offset + part.bytes);
    if (content.length !== part.bytes) {
      throw new BackupFileError(`${from} is truncated: part ${part.name} should have ${part.bytes} bytes, found ${content.length}`);
    }
    if (sha256(content) !== part.sha256) throw new BackupFileError(`${from} is damaged: part ${part.name} does not match its checksum`);
    parts.set(part.name, content);
    offset += part.bytes;
  }
  if (offset !== raw.length) throw new BackupFileError(`${from} is damaged: ${raw.length - offset} bytes after the last part`);
  return { manifest, parts };
}

/**
 * Can a database at `manifest.migrations` be restored by a version that knows `known`? Refused
 * when the backup holds migrations this version has never heard of (made by a newer version).
 */
export function restorableBy(manifest: BackupManifest, known: readonly string[]): { ok: true } | { ok: false; reason: string } {
  const unknown = manifest.migrations.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    return {
      ok: false,
      reason: `the backup was made by a newer Tonic Deploy (its database has migration ${unknown.join(', ')}, unknown to this version): restore it with that version or newer`,
    };
  }
  return { ok: true };
}
