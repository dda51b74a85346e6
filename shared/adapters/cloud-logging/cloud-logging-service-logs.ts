import { z } from 'zod';
import type { ServiceLogQuery, ServiceLogs } from '../../ports/service-logs.js';

/** The parts of a Cloud Logging LogEntry this reads (entries:list, v2). */
const LogEntry = z.object({
  textPayload: z.string().optional(),
  jsonPayload: z.record(z.string(), z.unknown()).optional(),
  httpRequest: z.object({ requestMethod: z.string().optional(), requestUrl: z.string().optional(), status: z.number().optional() }).partial().optional(),
});
const ListResponse = z.object({ entries: z.array(LogEntry).default([]), nextPageToken: z.string().optional() });

export interface CloudLoggingOptions {
  projectId: string;
  /** An OAuth access token for the Logging API (Application Default Credentials in production). */
  token: () => Promise<string>;
  /** Defaults to the public endpoint; tests point it at a local server speaking the same wire format. */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * The ServiceLogs port for Cloud Run: entries:list filtered to the service's revision and the
 * window, oldest first. Request logs (httpRequest) read as access-log lines (`GET /x 404`), so
 * the five whys see requests the same way locally and in the cloud.
 */
export class CloudLoggingServiceLogs implements ServiceLogs {
  constructor(private readonly options: CloudLoggingOptions) {}

  async read(q: ServiceLogQuery): Promise<string[]> {
    const lines: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.page(q, Math.min(1000, q.maxLines - lines.length), pageToken);
      for (const e of page.entries) {
        const line = lineOf(e);
        if (line) lines.push(line);
      }
      pageToken = page.nextPageToken;
    } while (pageToken && lines.length < q.maxLines);
    return lines.slice(0, q.maxLines);
  }

  private async page(q: ServiceLogQuery, pageSize: number, pageToken?: string): Promise<z.infer<typeof ListResponse>> {
    const { projectId, baseUrl = 'https://logging.googleapis.com', timeoutMs = 10_000 } = this.options;
    const res = await fetch(`${baseUrl}/v2/entries:list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.options.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceNames: [`projects/${projectId}`], filter: filterOf(q), orderBy: 'timestamp asc', pageSize, ...(pageToken ? { pageToken } : {}) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`Cloud Logging entries:list answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const parsed = ListResponse.safeParse(await res.json());
    if (!parsed.success) throw new Error(`Cloud Logging entries:list answered an unexpected body: ${parsed.error.message.slice(0, 300)}`);
    return parsed.data;
  }
}

/** The Logging query language filter of one query; values are quoted, so a name cannot widen it. */
export function filterOf(q: ServiceLogQuery): string {
  const quote = (s: string) => JSON.stringify(s);
  return [
    'resource.type="cloud_run_revision"',
    `resource.labels.service_name=${quote(q.service)}`,
    ...(q.revision ? [`resource.labels.revision_name=${quote(q.revision)}`] : []),
    `timestamp>=${quote(q.since)}`,
    ...(q.until ? [`timestamp<=${quote(q.until)}`] : []),
  ].join(' AND ');
}

function lineOf(e: z.infer<typeof LogEntry>): string | null {
  if (e.httpRequest?.requestMethod && e.httpRequest.requestUrl) {
    let path = e.httpRequest.requestUrl;
    try {
      const u = new URL(path);
      path = `${u.pathname}${u.search}`;
    } catch {
      // already a path
    }
    return `${e.httpRequest.requestMethod} ${path} ${e.httpRequest.status ?? '?'}`;
  }
  if (e.textPayload !== undefined) return e.textPayload.trimEnd();
  const message = e.jsonPayload?.message;
  if (typeof message === 'string') return message;
  return e.jsonPayload ? JSON.stringify(e.jsonPayload).slice(0, 1000) : null;
}
