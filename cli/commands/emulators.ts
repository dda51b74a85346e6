import { spawn } from 'node:child_process';
import { EXIT, UsageError, type Command } from '../command.js';
import { DEFAULT_EMULATOR_HOSTS, startEmulators } from '../../shared/local/emulators.js';

const usage = `Usage: tdl emulators exec -- COMMAND [ARGS...]
       tdl emulators start

exec   starts the Pub/Sub and Firestore emulators (or reuses the ones PUBSUB_EMULATOR_HOST
       and FIRESTORE_EMULATOR_HOST name), runs COMMAND with those variables set, stops the
       emulators it started, and exits with COMMAND's exit code. \`npm test\` uses it.
start  starts them on ${DEFAULT_EMULATOR_HOSTS.pubsub} (Pub/Sub) and ${DEFAULT_EMULATOR_HOSTS.firestore} (Firestore), prints the
       variables to export, and keeps them up until Ctrl-C. The other tdl commands
       look there when the variables are not set; tdl local reuses them once exported.`;

export const emulatorsCommand: Command = {
  name: 'emulators',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    const say = (line: string) => process.stderr.write(`tdl emulators: ${line}\n`);
    if (sub === 'exec') {
      const cmd = rest[0] === '--' ? rest.slice(1) : rest;
      if (cmd.length === 0) throw new UsageError('give the command to run after --');
      const emulators = await startEmulators({ log: say });
      let child: ReturnType<typeof spawn> | undefined;
      const forward = (signal: NodeJS.Signals) => child?.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      try {
        child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: { ...process.env, ...emulators.env }, shell: false });
        const code = await new Promise<number>((resolve) => {
          child!.once('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
          child!.once('error', (e) => {
            say(`cannot run ${cmd[0]}: ${e.message}`);
            resolve(127);
          });
        });
        return code;
      } finally {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        if (emulators.owned) say('stopping the emulators');
        await emulators.stop();
      }
    }
    if (sub === 'start') {
      const port = (host: string) => Number(host.split(':')[1]);
      const emulators = await startEmulators({
        log: say,
        env: {},
        ports: { pubsub: port(DEFAULT_EMULATOR_HOSTS.pubsub), firestore: port(DEFAULT_EMULATOR_HOSTS.firestore) },
      });
      for (const [k, v] of Object.entries(emulators.env)) process.stdout.write(`export ${k}=${v}\n`);
      say('running; Ctrl-C stops them');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await emulators.stop();
      return EXIT.ok;
    }
    throw new UsageError(sub ? `unknown sub-command "${sub}"` : 'give a sub-command: exec or start');
  },
};
