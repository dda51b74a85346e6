import { caseId, type TestCase } from '../../../shared/results/model.js';

/** A passing end-to-end case of 25 ms, changed by `patch`; its id follows its suite and name. */
export function tc(name: string, patch: Partial<TestCase> = {}): TestCase {
  const suite = patch.suite ?? 'e2e';
  return { id: caseId({ suite, name }), suite, name, status: 'passed', durationMs: 25, ...patch };
}

export const idOf = (name: string, suite = 'e2e') => caseId({ suite, name });
