import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceLogQuery, ServiceLogs } from '../../ports/service-logs.js';

/** `<dir>/<service>/<revision>.log`, one `ISO-time line` per line the service printed. */
function fileOf(dir: string, service: string, revision: string): string {
  const safe = (s: string) => s.replace(/[^\w.-]/g, '_');
  return path.join(dir, safe(service), `${safe(revision)}.log`);
}

/** The local deployer's side: appends what a revision prints, stamped with the time it was printed. */
export async function openServiceLog(dir: string, service: string, revision: string): Promise<{ write(line: string): void; close(): Promise<void> }> {
  const file = fileOf(dir, service, revision);
  await mkdir(path.dirname(file), { recursive: true });
  const stream: WriteStream = createWriteStream(file, { flags: 'a' });
  return {
    write: (line) => void stream.write(`${new Date().toISOString()} ${line}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

/** The ServiceLogs port over the files the local deployer writes; the cloud reads Cloud Logging instead. */
export class ServiceLogFiles implements ServiceLogs {
  constructor(private readonly dir: string) {}

  async read(q: ServiceLogQuery): Promise<string[]> {
    if (!q.revision) return [];
    let text: string;
    try {
      text = await readFile(fileOf(this.dir, q.service, q.revision), 'utf8');
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const at = line.slice(0, 24);
      if (!line || at < q.since || (q.until && at > q.until)) continue;
      out.push(line.slice(25));
      if (out.length >= q.maxLines) break;
    }
    return out;
  }
}
