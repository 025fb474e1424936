/**
 * Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=<dir> npm run bench):
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [filter]
 *
 * Prints self time by function and by package/source file, and inclusive time of the frames
 * ("function place:line") matching the regular expression `filter`, when given.
 */
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] };
type Profile = { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

const [file, topText, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [filter]');
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples and their deltas (µs).
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()].filter(([id]) => ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)!.callFrame.functionName));

function where(url: string): string {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url.replace(/^node:/, 'node:').replace(/^file:\/\//, '');
}
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

function show(title: string, map: Map<string, number>) {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((v / total) * 100).toFixed(1).padStart(6)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  byFunction.set(label(n), (byFunction.get(label(n)) ?? 0) + t);
  byPlace.set(where(n.callFrame.url), (byPlace.get(where(n.callFrame.url)) ?? 0) + t);
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled; idle/program/gc: ${idle.map(([id, t]) => `${byId.get(id)!.callFrame.functionName} ${((t / total) * 100).toFixed(1)}%`).join(', ')}`);
show('Self time by function', byFunction);
show('Self time by package / file', byPlace);

if (filter) {
  // Inclusive time: every sample counts once for each distinct matching frame on its stack.
  const pattern = new RegExp(filter);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (!seen.has(l) && pattern.test(l)) {
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + t);
      }
    }
  }
  show(`Inclusive time of frames matching /${filter}/`, inclusive);
}
