/**
 * The configuration reference (docs/configuration.md), generated from the schema that validates
 * tonic.config.yaml, so the two cannot drift. Pure: schema in, Markdown out. Each object becomes a
 * section with one row per key: type, whether it is required, its default and an example.
 */
import { ConfigSchema } from './config-schema.ts';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  description?: string;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  default?: unknown;
  examples?: unknown[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
};

type Section = { path: string; description: string; rows: string[] };

export function configReference(schema: JsonSchema = ConfigSchema as unknown as JsonSchema): string {
  const sections: Section[] = [];
  collect(schema, '', 'The whole file.', sections, new Map());
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/config-schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    '`tonic.config.yaml` (or the file named by `TONIC_CONFIG`) declares the systems Tonic Deploy runs.',
    'Every problem in it is reported at start-up with the file, the key path and what is wrong. Values',
    'written `${NAME}` are read from the environment variable NAME (secrets belong there, not in the file).',
    '`tonic init` writes a commented starter file.',
    '',
  ];
  for (const section of sections) {
    lines.push(`## \`${section.path || '(top level)'}\``, '');
    if (section.description) lines.push(section.description, '');
    if (section.rows.length > 0) lines.push('| key | type | required | default | example | description |', '|---|---|---|---|---|---|', ...section.rows, '');
  }
  return lines.join('\n');
}

/** `seen` maps a schema object to where it was documented: a shared shape (uat, prod) is shown once. */
function collect(schema: JsonSchema, path: string, description: string, sections: Section[], seen: Map<JsonSchema, string>): void {
  const earlier = seen.get(schema);
  if (earlier !== undefined) {
    sections.push({ path, description: `${description ? `${description} ` : ''}The same keys as \`${earlier}\`.`.trim(), rows: [] });
    return;
  }
  seen.set(schema, path);
  const variants = objectVariants(schema);
  for (const [index, variant] of variants.entries()) {
    const label = variants.length > 1 ? `${path} (${variantLabel(variant, index)})` : path;
    const section: Section = { path: label, description, rows: [] };
    sections.push(section);
    const nested: [JsonSchema, string, string][] = [];
    for (const [key, child] of Object.entries(variant.properties ?? {})) {
      const childPath = path ? `${path}.${key}` : key;
      section.rows.push(row(key, child, variant.required?.includes(key) ?? false));
      const inner = child.type === 'array' && child.items ? child.items : child;
      if (objectVariants(inner).length > 0) nested.push([inner, child.type === 'array' ? `${childPath}[]` : childPath, child.description ?? '']);
    }
    for (const [child, childPath, childDescription] of nested) collect(child, childPath, childDescription, sections, seen);
  }
}

/** The object shapes a value may take (one, or several for a union of objects). */
function objectVariants(schema: JsonSchema): JsonSchema[] {
  if (schema.type === 'object' && schema.properties) return [schema];
  return (schema.anyOf ?? []).filter((s) => s.type === 'object' && s.properties);
}

function variantLabel(variant: JsonSchema, index: number): string {
  const discriminator = Object.entries(variant.properties ?? {}).find(([, s]) => s.const !== undefined);
  return discriminator ? `${discriminator[0]}: ${String(discriminator[1].const)}` : `form ${index + 1}`;
}

function row(key: string, schema: JsonSchema, required: boolean): string {
  const description = (schema.description ?? '').replace(/\s*Default [^.]*\.\s*/, ' ').trim();
  const cells = [`\`${key}\``, typeOf(schema), required ? 'yes' : '', defaultOf(schema), exampleOf(key, schema), description];
  return `| ${cells.map((c) => c.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  if (schema.anyOf) {
    const literals = schema.anyOf.every((s) => s.const !== undefined);
    if (literals) return schema.anyOf.map((s) => `\`${JSON.stringify(s.const)}\``).join(' or ');
    const objects = objectVariants(schema);
    if (objects.length === schema.anyOf.length) return `object (${objects.map(variantLabel).join(' or ')})`;
    return schema.anyOf.map(typeOf).join(' or ');
  }
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
  if (schema.type === 'object') return schema.properties ? 'object' : 'map';
  const limits = [
    schema.minimum !== undefined && schema.maximum !== undefined ? `${schema.minimum}–${schema.maximum}` : '',
    schema.format ? schema.format.toUpperCase() : '',
  ].filter(Boolean);
  return `${String(schema.type ?? 'value')}${limits.length ? ` (${limits.join(', ')})` : ''}`;
}

function defaultOf(schema: JsonSchema): string {
  if (schema.default !== undefined) return `\`${JSON.stringify(schema.default)}\``;
  const stated = /Default ([^.]*)\./.exec(schema.description ?? '');
  return stated ? stated[1]!.trim() : '';
}

/** An example value: the schema's own, else one that satisfies its type and pattern. */
function exampleOf(key: string, schema: JsonSchema): string {
  const example = schema.examples?.[0] ?? synthesize(key, schema);
  return example === undefined ? '' : `\`${typeof example === 'string' ? example : JSON.stringify(example)}\``;
}

const TIME_PATTERN_EXAMPLES: Record<string, string> = { t1: '20:00', t2: '22:00' };
/** Examples for plain strings, whose schema alone cannot suggest one. */
const KEY_EXAMPLES: Record<string, unknown> = {
  title: 'Demo shop',
  path: './repos/shop',
  fixBranch: 'fixes',
  workdir: './deploy',
  secret: '${DEPLOY_WEBHOOK_SECRET}',
  command: ['./deploy.sh', '{env}', '{tag}'],
  viewer: ['alice'],
  developer: ['bob'],
  manager: ['carol'],
  admin: ['dave'],
  cto: ['erin'],
};

function synthesize(key: string, schema: JsonSchema): unknown {
  if (key in KEY_EXAMPLES) return KEY_EXAMPLES[key];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) {
    const literal = schema.anyOf.find((s) => s.const !== undefined);
    return literal ? literal.const : synthesize(key, schema.anyOf[0]!);
  }
  if (schema.type === 'array') return schema.items && schema.items.type !== 'object' && !schema.items.anyOf?.some((s) => s.type === 'object') ? [synthesize(key, schema.items)] : undefined;
  if (schema.type === 'boolean') return schema.default ?? true;
  if (schema.type === 'integer' || schema.type === 'number') {
    const stated = Number(defaultOf(schema).replaceAll('`', ''));
    return schema.default ?? (Number.isFinite(stated) && defaultOf(schema) !== '' ? stated : (schema.minimum ?? 1));
  }
  if (schema.type !== 'string') return undefined;
  if (schema.format === 'uri') return 'https://example.com/…';
  if (key === 'url') return 'https://git.example.com/team/shop.git';
  if (schema.pattern?.includes('[01][0-9]')) return TIME_PATTERN_EXAMPLES[key] ?? '21:30';
  if (key === 'timeZone') return 'Asia/Hong_Kong';
  if (key === 'line') return 'main';
  if (schema.pattern === '^[a-z][a-z0-9-]{0,39}$') return key === 'name' ? 'shop' : 'checkout';
  return undefined;
}
