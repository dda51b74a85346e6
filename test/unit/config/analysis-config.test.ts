import { describe, expect, it } from 'vitest';
import { parseLoopConfig, storedConfig } from '../../../shared/config/loop-config.js';
import { StoredConfig } from '../../../shared/domain/model.js';

const base = { loopId: 'shop-main', services: [{ name: 'api' }], tests: { command: ['npm', 'test'], results: ['reports/*.xml'] } };

describe('analysis.model in the loop config', () => {
  it('is off unless set, and stored as null so that `tdl register` turns a model off again', () => {
    const stored = storedConfig(parseLoopConfig(base));
    expect(stored.analysis).toEqual({ model: null });
    expect(StoredConfig.parse({ branch: 'main', ...stored }).analysis).toEqual({ model: null });
  });

  it('takes the defaults it does not name', () => {
    const c = parseLoopConfig({ ...base, analysis: { model: { provider: 'vertex-gemini', model: 'gemini-2.5-flash' } } });
    expect(storedConfig(c).analysis.model).toEqual({ provider: 'vertex-gemini', model: 'gemini-2.5-flash', location: 'us-central1', timeoutMs: 15_000, maxClusters: 5, minConfidence: 0.5 });
  });

  it.each([
    [{ provider: 'openai', model: 'gpt' }, 'analysis.model.provider'],
    [{ provider: 'vertex-gemini', model: 'gemini 2.5' }, 'analysis.model.model: a model id is letters, digits, dots, dashes or @'],
    [{ provider: 'vertex-gemini', model: 'gemini-2.5-flash', timeoutMs: 600_000 }, 'analysis.model.timeoutMs'],
  ])('names the wrong field: %j', (model, field) => {
    expect(() => parseLoopConfig({ ...base, analysis: { model } })).toThrow(field);
  });
});
