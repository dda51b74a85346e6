import { ApiError, GoogleGenAI, type GoogleGenAIOptions } from '@google/genai';
import type { LanguageModel } from '../../ports/language-model.js';
import { ModelError } from '../../kernel/errors.js';

export interface VertexGeminiOptions {
  project: string;
  location: string;
  /** A Gemini model id, e.g. "gemini-2.5-flash". */
  model: string;
  /**
   * Where the Vertex AI API is served; the SDK's default (https://LOCATION-aiplatform.googleapis.com/)
   * when absent, or the SDK's own GOOGLE_VERTEX_BASE_URL. Tests point it at a local server.
   */
  baseUrl?: string;
  /** google-auth-library options; Application Default Credentials when absent. */
  googleAuthOptions?: GoogleGenAIOptions['googleAuthOptions'];
}

/**
 * Gemini on Vertex AI through Google's Node SDK (@google/genai, `vertexai: true`): one
 * generateContent call per prompt, JSON asked for with the prompt's schema, no retries (the
 * analysis falls back to its rules rather than wait), cut off at the caller's timeout.
 */
export class VertexGeminiModel implements LanguageModel {
  readonly name: string;
  private readonly client: GoogleGenAI;

  constructor(private readonly options: VertexGeminiOptions) {
    this.name = `vertex-gemini ${options.model}`;
    this.client = new GoogleGenAI({
      vertexai: true,
      project: options.project,
      location: options.location,
      ...(options.googleAuthOptions ? { googleAuthOptions: options.googleAuthOptions } : {}),
      ...(options.baseUrl ? { httpOptions: { baseUrl: options.baseUrl } } : {}),
    });
  }

  async generate(prompt: { system: string; user: string; schema: Record<string, unknown> }, { timeoutMs }: { timeoutMs: number }): Promise<string> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const response = await this.client.models.generateContent({
        model: this.options.model,
        contents: [{ role: 'user', parts: [{ text: prompt.user }] }],
        config: {
          systemInstruction: prompt.system,
          responseMimeType: 'application/json',
          responseJsonSchema: prompt.schema,
          temperature: 0,
          abortSignal: abort.signal,
          httpOptions: { timeout: timeoutMs },
        },
      });
      const text = response.text;
      if (!text) {
        const why = response.promptFeedback?.blockReason ?? response.candidates?.[0]?.finishReason ?? 'no candidate';
        throw new ModelError(`${this.name} answered no text (${why})`, { model: this.options.model });
      }
      return text;
    } catch (error) {
      if (error instanceof ModelError) throw error;
      if (abort.signal.aborted) throw new ModelError(`${this.name} did not answer within ${timeoutMs} ms`, { cause: error, model: this.options.model });
      if (error instanceof ApiError) throw new ModelError(`${this.name} answered HTTP ${error.status}: ${error.message.slice(0, 200)}`, { cause: error, model: this.options.model });
      throw new ModelError(`${this.name} could not be reached: ${(error as Error).message}`, { cause: error, model: this.options.model });
    } finally {
      clearTimeout(timer);
    }
  }
}
