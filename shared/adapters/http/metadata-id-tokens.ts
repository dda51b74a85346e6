import { Compute, IdTokenClient } from 'google-auth-library';
import type { IdTokenSource } from '../../ports/services.js';
import { TransientError } from '../../kernel/errors.js';

/**
 * ID tokens from the metadata server (Cloud Run functions, Cloud Run jobs): its identity
 * endpoint mints them for the instance's service account. One client per audience keeps its
 * token until shortly before it expires (google-auth-library's IdTokenClient), so a probe per
 * service per cycle does not ask the metadata server every time. GCE_METADATA_HOST points it at
 * another server (the unit tests' fake).
 */
export class MetadataIdTokens implements IdTokenSource {
  private readonly compute = new Compute();
  private readonly clients = new Map<string, IdTokenClient>();

  async token(audience: string): Promise<string> {
    let client = this.clients.get(audience);
    if (!client) {
      client = new IdTokenClient({ targetAudience: audience, idTokenProvider: this.compute });
      this.clients.set(audience, client);
    }
    try {
      const headers = await client.getRequestHeaders();
      const authorization = headers.get('authorization') ?? '';
      const token = /^Bearer (.+)$/.exec(authorization)?.[1];
      if (!token) throw new Error('the metadata server answered without a token');
      return token;
    } catch (cause) {
      throw new TransientError(`no ID token for ${audience} from the metadata server: ${(cause as Error).message}`, { cause, audience });
    }
  }
}
