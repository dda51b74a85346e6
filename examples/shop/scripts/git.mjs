// Runs git in the example's working copy with a fixed identity and date, so commits are reproducible.
import { execFileSync } from 'node:child_process';

export function git(cwd, args, date = '2026-11-01T09:00:00Z') {
  return execFileSync('git', ['-c', 'user.name=Shop Dev', '-c', 'user.email=dev@shop.example', '-c', 'init.defaultBranch=main', '-c', 'advice.detachedHead=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  }).trim();
}
