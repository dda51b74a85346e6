// Builds the example's working copy: a real git repository whose three commits are the
// history the loop walks through (base/, then each history/ overlay), checked out at the first.
import { cpSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { git } from './git.mjs';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const work = path.join(here, '.work');
const commits = [
  ['base', 'Blog API on json-server (posts, profile) and its pytest suite'],
  ...readdirSync(path.join(here, 'history')).sort().map((d) => [path.join('history', d), d.replace(/^\d+-/, '').replace(/-/g, ' ')]),
];

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
git(work, ['init', '-q']);
commits.forEach(([dir, message], i) => {
  cpSync(path.join(here, dir), work, { recursive: true });
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', message], `2026-11-0${i + 1}T09:00:00Z`);
  git(work, ['tag', `c${i + 1}`]);
  console.log(`commit c${i + 1} ${git(work, ['rev-parse', '--short', 'HEAD'])}: ${message}`);
});
git(work, ['checkout', '-q', 'c1']);
console.log(`working copy ${path.relative(process.cwd(), work) || '.'} at c1 ${git(work, ['rev-parse', '--short', 'HEAD'])}`);
