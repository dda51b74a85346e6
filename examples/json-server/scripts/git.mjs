// Runs git in the example's working copy with a fixed identity and date, so the same files give
// the same commits (and SHAs) on any machine, whether or not it has a git identity configured.
import { execFileSync } from 'node:child_process';

const AUTHOR = { name: 'Blog Dev', email: 'dev@blog.example' };

export function git(cwd, args, date = '2026-11-01T09:00:00Z') {
  const env = { ...process.env };
  // A caller's repository must not leak in (for example when run from inside a git hook).
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_CEILING_DIRECTORIES']) delete env[key];
  Object.assign(env, {
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  const config = [
    `user.name=${AUTHOR.name}`,
    `user.email=${AUTHOR.email}`,
    'init.defaultBranch=main',
    'advice.detachedHead=false',
    'commit.gpgSign=false',
    'core.autocrlf=false',
    'core.hooksPath=/dev/null',
  ].flatMap((c) => ['-c', c]);
  return execFileSync('git', [...config, ...args], { cwd, encoding: 'utf8', env }).trim();
}
