/**
 * A language model that answers one prompt with JSON text (Gemini on Vertex AI in
 * production, shared/adapters/vertex/). The analysis builds the prompt and judges the answer;
 * the adapter only carries it.
 */
export interface LanguageModel {
  /** Shown beside the whys it wrote, e.g. "vertex-gemini gemini-2.5-flash". */
  readonly name: string;
  /**
   * Sends `prompt`, asking for JSON that follows `schema` (a JSON Schema). Resolves with the
   * answer's text as the model wrote it; rejects with ModelError when the call fails, is
   * refused, or takes longer than `timeoutMs`.
   */
  generate(prompt: { system: string; user: string; schema: Record<string, unknown> }, options: { timeoutMs: number }): Promise<string>;
}
