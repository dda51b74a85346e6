import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';
import { requestCancel, requestRerun, whoAmI } from '../loop-actions.js';

const usage = `Usage: tdl rerun LOOP [--redeploy | --retest] [--reason TEXT] [--json] [--project PROJECT]
       tdl cancel LOOP [--reason TEXT] [--json] [--project PROJECT]

rerun --redeploy (default)  publishes deploy-requested: deploy the loop's branch again; the
                            deployment opens a new cycle (Cloud Build's Pub/Sub trigger in the
                            cloud, the local deployer under tdl local).
rerun --retest              publishes deploy-finished for the current deployment: test it again
                            in a new cycle without deploying.
cancel                      publishes loop-control: the running cycle ends "cancelled" and the
                            loop stops until a re-run or a push.
A re-run of a finished loop starts a new run of it, with the reason recorded on the cycle.
  --json   the last line is {"loopId","topic","messageId"}

${CONNECTION_HELP}
Exit: 0 published; 1 no such loop, or nothing to re-test; 2 usage.`;

export const rerunCommand: Command = {
  name: 'rerun',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        ...connectionOptions,
        redeploy: { type: 'boolean', default: false },
        retest: { type: 'boolean', default: false },
        reason: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      true,
    );
    const loopId = positionals[0];
    if (!loopId) throw new UsageError('give the loop id');
    if (values.redeploy && values.retest) throw new UsageError('--redeploy and --retest exclude each other');
    const conn = await connect(values.project);
    try {
      const reason = values.reason ?? `re-run by hand by ${whoAmI()}`;
      const r = await requestRerun(conn, loopId, values.retest ? 'retest' : 'redeploy', reason);
      if (!r.ok) {
        process.stderr.write(`tdl rerun: ${r.why} in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const { topic, messageId } = r;
      if (values.json) out(JSON.stringify({ loopId, topic, messageId }));
      else out(`published ${topic} ${messageId} for ${loopId} (${reason}) on ${conn.target}; follow it with \`tdl watch ${loopId}\``);
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, reason: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
    const loopId = positionals[0];
    if (!loopId) throw new UsageError('give the loop id');
    const conn = await connect(values.project);
    try {
      const r = await requestCancel(conn, loopId, values.reason ?? 'cancelled by hand', whoAmI());
      if (!r.ok) {
        process.stderr.write(`tdl cancel: ${r.why} in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const { messageId } = r;
      if (values.json) out(JSON.stringify({ loopId, topic: 'loop-control', messageId }));
      else out(`published loop-control ${messageId}: cancel ${loopId} on ${conn.target}`);
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
