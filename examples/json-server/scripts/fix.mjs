// Stands in for the person or coding agent who pushes a fix: moves the working copy to the
// next commit of the example's history. Exits 1 when there is no later commit.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { git } from './git.mjs';

// The loop runs it in the working copy (the config's workdir); never walk up into another repository.
const work = process.cwd();
if (!existsSync(path.join(work, '.git'))) {
  console.log(`fix: ${work} is not the example's working copy (no .git); run it there, after scripts/setup.mjs`);
  process.exit(1);
}
const head = git(work, ['rev-parse', 'HEAD']);
const tags = git(work, ['tag', '--list', 'c*']).split('\n').filter(Boolean).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const index = tags.findIndex((t) => git(work, ['rev-parse', `${t}^{commit}`]) === head);
if (index === -1) {
  console.log(`fix: ${head.slice(0, 8)} is not one of the example's commits (${tags.join(', ')}); run scripts/setup.mjs again`);
  process.exit(1);
}
const next = tags[index + 1];
if (!next) {
  console.log(`fix: ${head.slice(0, 8)} is the last commit of the example's history; nothing to push`);
  process.exit(1);
}
git(work, ['checkout', '-q', next]);
console.log(`fix: pushed ${next} ${git(work, ['rev-parse', '--short', 'HEAD'])}: ${git(work, ['log', '-1', '--format=%s'])}`);
