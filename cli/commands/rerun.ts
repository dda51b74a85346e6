import { userInfo } from 'node:os';
import { EXIT, UsageError, type Command } from '../command.js';
import { parse } from '../args.js';
import { connect, connectionOptions, CONNECTION_HELP } from '../connect.js';
import { out } from '../format.js';

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

const whoAmI = () => {
  try {
    return userInfo().username;
  } catch {
    return 'someone';
  }
};

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
      const loop = await conn.store.getLoop(loopId);
      if (!loop) {
        process.stderr.write(`tdl rerun: no loop "${loopId}" in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const reason = values.reason ?? `re-run by hand by ${whoAmI()}`;
      const current = loop.currentCycle > 0 ? await conn.store.getCycle(loopId, loop.currentCycle) : null;
      const now = new Date().toISOString();
      let topic: string;
      let messageId: string;
      if (values.retest) {
        if (!current?.commit || !current.buildId || current.services.length === 0) {
          process.stderr.write(`tdl rerun: loop ${loopId} has no deployment to test again; use --redeploy\n`);
          return EXIT.notSucceeded;
        }
        topic = 'deploy-finished';
        messageId = await conn.publisher.publish('deploy-finished', {
          loopId,
          trigger: 'retest',
          branch: current.branch ?? loop.config.branch,
          commit: current.commit,
          // A new build id: the same deployment, tested again, is a new fact.
          buildId: `${current.buildId}-retest-${Date.now().toString(36)}`.slice(0, 128),
          services: current.services,
          finishedAt: now,
          reason,
        });
      } else {
        topic = 'deploy-requested';
        messageId = await conn.publisher.publish('deploy-requested', {
          loopId,
          trigger: 'manual',
          branch: current?.branch ?? loop.config.branch,
          reason,
          requestedAt: now,
        });
      }
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
      if (!(await conn.store.getLoop(loopId))) {
        process.stderr.write(`tdl cancel: no loop "${loopId}" in ${conn.target}\n`);
        return EXIT.notSucceeded;
      }
      const messageId = await conn.publisher.publish('loop-control', {
        loopId,
        action: 'cancel',
        reason: values.reason ?? 'cancelled by hand',
        requestedBy: whoAmI(),
        requestedAt: new Date().toISOString(),
      });
      if (values.json) out(JSON.stringify({ loopId, topic: 'loop-control', messageId }));
      else out(`published loop-control ${messageId}: cancel ${loopId} on ${conn.target}`);
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
