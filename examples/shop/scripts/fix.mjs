// Stands in for the person or coding agent who pushes a fix: moves the working copy to the
// next commit of the example's history. Exits 1 when there is no later commit.
import { git } from './git.mjs';

const work = process.cwd();
const head = git(work, ['rev-parse', 'HEAD']);
const tags = git(work, ['tag', '--list', 'c*']).split('\n').filter(Boolean).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
const index = tags.findIndex((t) => git(work, ['rev-parse', `${t}^{commit}`]) === head);
const next = tags[index + 1];
if (!next) {
  console.log(`fix: ${head.slice(0, 8)} is the last commit of the example's history; nothing to push`);
  process.exit(1);
}
git(work, ['checkout', '-q', next]);
console.log(`fix: pushed ${next} ${git(work, ['rev-parse', '--short', 'HEAD'])}: ${git(work, ['log', '-1', '--format=%s'])}`);
