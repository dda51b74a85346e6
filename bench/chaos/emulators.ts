import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emulatorEnv, startEmulators, type Emulators } from '../../shared/local/emulators.js';
import { TcpGate } from './tcp-gate.js';

/** Emulators of chaos's own, which its scenarios take down and bring back as outages would. */
export interface ChaosEmulators extends Emulators {
  /**
   * Kills the Pub/Sub emulator and starts it again on the same port, as an outage would:
   * its topics, subscriptions and undelivered messages are gone.
   */
  restartPubSub?(): Promise<void>;
  /**
   * Restarts the Firestore emulator as an outage would, keeping what was committed: clients
   * are cut off (a gate sits between them and the emulator), the project's data is exported,
   * the emulator is killed, and after `downMs` started again with that export. Data of other
   * projects is gone afterwards.
   */
  restartFirestore?(projectId: string, downMs?: number): Promise<{ outageMs: number; exportMs: number }>;
}

/**
 * Starts emulators of its own whatever the environment names (scenarios restart them), with a
 * TCP gate in front of Firestore: every client, in this process or a function server, reaches
 * Firestore through the gate, so a restart can cut them all off at once.
 */
export async function startChaosEmulators(log: (line: string) => void): Promise<ChaosEmulators> {
  const emulators = await startEmulators({ log, env: {} });
  const { pubsub, firestore } = emulators.processes!;
  const gate = new TcpGate({ host: '127.0.0.1', port: Number(firestore.host.split(':')[1]) });
  const exportsDir = await mkdtemp(path.join(tmpdir(), 'tdl-chaos-exports-'));
  const firestoreHost = await gate.start().catch(async (error: Error) => {
    await emulators.stop();
    throw error;
  });
  let exports = 0;
  return {
    ...emulators,
    firestoreHost,
    env: emulatorEnv(emulators.pubsubHost, firestoreHost),
    async stop() {
      await gate.stop();
      await emulators.stop();
      await rm(exportsDir, { recursive: true, force: true });
    },
    async restartPubSub() {
      await pubsub.kill();
      await pubsub.start();
    },
    async restartFirestore(projectId: string, downMs = 0) {
      const cut = Date.now();
      gate.close();
      // Nothing can write now: the export holds everything committed before the cut.
      const dir = path.join(exportsDir, `firestore-export-${++exports}`);
      await mkdir(dir);
      const res = await fetch(`http://${firestore.host}/emulator/v1/projects/${projectId}:export`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ database: `projects/${projectId}/databases/(default)`, export_directory: dir }),
      });
      if (!res.ok) throw new Error(`exporting Firestore project ${projectId} failed: ${res.status} ${await res.text()}`);
      const [snapshot] = await readdir(dir);
      const metadata = snapshot && path.join(dir, snapshot, `${snapshot}.overall_export_metadata`);
      if (!metadata) throw new Error(`the Firestore export of ${projectId} wrote nothing into ${dir}`);
      const exportMs = Date.now() - cut;
      await firestore.kill();
      await new Promise((r) => setTimeout(r, downMs));
      await firestore.start([`--import-data=${metadata}`]);
      gate.open();
      return { outageMs: Date.now() - cut, exportMs };
    },
  };
}
