import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChainHarness, eventually, runTdl, testRun } from '../support/harness.js';
import type { TestRun } from '../../shared/results/model.js';
import type { DeployFinished } from '../../shared/chain/messages.js';
import { createRecordResults } from '../../shared/chain/record-results/record-results.js';
import { silentLogger } from '../../shared/adapters/json-logger.js';
import { launchDedupKey, planDeployFinished } from '../../shared/chain/run-tests/run-tests.js';

/**
 * Each verdict and guard, reached by a real loop: real push deliveries to the functions,
 * Firestore and Pub/Sub emulators; the test plays the deployer and the test job.
 */
const h = new ChainHarness();
beforeAll(() => h.start(), 90_000);
afterAll(() => h.stop(), 30_000);

const run = (cases: Parameters<typeof testRun>[0], rejected: TestRun['rejected'] = []) => testRun(cases, { rejected });

const green = () => run([{ name: 'a', status: 'passed' }, { name: 'b', status: 'passed' }]);
const red = () => run([{ name: 'a', status: 'passed' }, { name: 'b', status: 'failed', message: 'expected 3 items, got 2' }]);

const deployment = (loopId: string, patch: Partial<DeployFinished> = {}) => h.deployment(loopId, patch);
const notReady = (loopId: string, patch: Partial<DeployFinished> = {}) =>
  deployment(loopId, { services: [{ name: 'api', ready: false, error: 'revision failed: container exited 1' }], ...patch });

const finished = (loopId: string, n: number) => h.finished(loopId, n);

/** A test job that commits its record, then is killed before it publishes (a minute ago, so its messages count as abandoned at once). */
const dyingJob = () =>
  createRecordResults({
    store: h.store,
    publisher: { publish: async () => Promise.reject(new Error('the job was killed')) },
    clock: { now: () => new Date(Date.now() - 60_000) },
    log: silentLogger,
  });

/** Deploys, lets the "job" report `result` (exit code 0: the verdict is the results', not the exit code's), and waits for the verdict. */
const cycleWith = (loopId: string, n: number, result: TestRun, message?: DeployFinished) => h.playCycle(loopId, n, result, { message, exitCode: 0 });

describe('verdicts and guards, each reached by a real loop', () => {
  it('succeeded: every criterion met', async () => {
    await h.createLoop('v-success');
    const c = await cycleWith('v-success', 1, green());
    expect([c.verdict, c.verdictReason]).toEqual(['succeeded', 'every criterion met: 2 tests, pass rate 100.0 %']);
    expect((await h.store.getLoop('v-success'))?.status).toBe('succeeded');
  });

  it('failed: max cycles reached', async () => {
    await h.createLoop('v-max', {}, { guards: { maxCycles: 1 } });
    const c = await cycleWith('v-max', 1, red());
    expect(c.verdict).toBe('failed');
    expect(c.verdictReason).toBe('max cycles reached: 1 of 1 used without meeting the criteria');
  });

  it('failed: the same failure in consecutive cycles although the commit changed', async () => {
    await h.createLoop('v-same', {}, { guards: { sameFailureCycles: 2 } });
    const first = await cycleWith('v-same', 1, red());
    expect(first.verdict).toBe('await-fix');
    const second = await cycleWith('v-same', 2, red(), deployment('v-same', { trigger: 'fix' }));
    expect(second.commit).not.toBe(first.commit);
    expect([second.verdict, second.verdictReason]).toEqual([
      'failed',
      'the same failure persisted 2 cycles in a row although the commit changed: product-defect: expected <n> items, got <n>',
    ]);
  });

  it('failed: the time budget is spent', async () => {
    await h.createLoop('v-time', {}, { guards: { maxDurationMinutes: 0.0001 } });
    const c = await cycleWith('v-time', 1, red());
    expect(c.verdict).toBe('failed');
    expect(c.verdictReason).toMatch(/^time budget spent: \d+ min of 0.0001$/);
  });

  it('redeploy, then blocked when the critical service fails to deploy twice', async () => {
    await h.createLoop('v-deploy');
    const requests = await h.collect('deploy-requested');
    await h.publisher.publish('deploy-finished', notReady('v-deploy'));
    const first = await finished('v-deploy', 1);
    expect(first.verdict).toBe('redeploy');
    expect(first.verdictReason).toBe('critical service not ready: api (revision failed: container exited 1)');
    const request = await eventually('the deploy request', () => requests.find((r) => (r as { loopId: string }).loopId === 'v-deploy'));
    expect(request).toMatchObject({ cycle: 2, trigger: 'redeploy' });
    await h.publisher.publish('deploy-finished', notReady('v-deploy', { cycle: 2, trigger: 'redeploy' }));
    const second = await finished('v-deploy', 2);
    expect(second.verdict).toBe('blocked');
    expect(second.verdictReason).toMatch(/^critical service failed to deploy twice in a row: api/);
  });

  it('failed: the redeploy budget is spent', async () => {
    await h.createLoop('v-budget', {}, { guards: { maxRedeploys: 0 } });
    await h.publisher.publish('deploy-finished', notReady('v-budget'));
    const c = await finished('v-budget', 1);
    expect([c.verdict, c.verdictReason]).toEqual(['failed', 'redeploy budget spent: 0 of 0 redeploys used']);
  });

  it('blocked: results unreadable twice', async () => {
    await h.createLoop('v-unreadable');
    const unreadable = () => run([], [{ path: 'reports/junit.xml', reason: 'reports/junit.xml is not well-formed XML' }]);
    const first = await cycleWith('v-unreadable', 1, unreadable());
    expect(first.verdict).toBe('redeploy');
    expect(first.verdictReason).toBe('no readable results (the test job crashed or wrote nothing)');
    const second = await cycleWith('v-unreadable', 2, unreadable(), deployment('v-unreadable', { cycle: 2, trigger: 'redeploy' }));
    expect([second.verdict, second.verdictReason]).toEqual(['blocked', 'the test results were unreadable twice in a row']);
  });

  it('blocked by the watchdog: a test job that never reports, even after the watchdog made sure it was launched', async () => {
    await h.createLoop('v-silent', {}, { deadlines: { testSeconds: 1 } });
    await h.publisher.publish('deploy-finished', deployment('v-silent'));
    await eventually('the job launch', () => h.launches.some((l) => l.jobId === 'v-silent-c1'));
    await new Promise((r) => setTimeout(r, 1200));
    // First silence: the watchdog asks for the job, finds the execution run-tests started, starts none.
    await h.publisher.publish('watchdog-tick', { at: new Date().toISOString() });
    const chance = await eventually('the second chance', async () => (await h.store.getCycle('v-silent', 1))?.testJob?.secondChanceAt);
    expect((await h.store.getCycle('v-silent', 1))?.phase).toBe('testing');
    expect(h.launches.filter((l) => l.jobId === 'v-silent-c1')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(chance) + 1200 - Date.now())));
    await h.publisher.publish('watchdog-tick', { at: new Date().toISOString() });
    const c = await finished('v-silent', 1);
    expect([c.verdict, c.verdictReason]).toEqual(['blocked', 'test job v-silent-c1 never reported within 1 s, nor in the 1 s more the watchdog gave it after making sure it was launched']);
    // The job that reports late changes nothing.
    const late = await h.recordResults({ loopId: 'v-silent', cycle: 1, jobId: 'v-silent-c1', run: green(), exitCode: 0, crashed: false, commandStartedAt: c.phaseAt.testing!, commandFinishedAt: new Date().toISOString() });
    expect(late.kind).toBe('ignored');
  });

  it('a cycle whose delivery died before launching its job, with no redelivery: the watchdog launches the job and the loop goes on', async () => {
    await h.createLoop('v-orphan', {}, { deadlines: { testSeconds: 1 } });
    // The delivery of deploy-finished committed the cycle 20 s ago and was killed before it
    // launched the job; its redelivery is still waiting out Pub/Sub's backoff.
    const message = deployment('v-orphan');
    const died = new Date(Date.now() - 20_000);
    const key = launchDedupKey({ loopId: 'v-orphan', buildId: message.buildId, commit: message.commit })!;
    await h.store.transact({ loopId: 'v-orphan', dedupKey: key }, (view) => planDeployFinished(view, message, { messageId: 'killed-1', now: died, health: [] }));
    expect((await h.store.getCycle('v-orphan', 1))?.phase).toBe('testing');
    // The watchdog ticks as it does every minute in the cloud: the first tick publishes what the
    // dead delivery left in the outbox (and gives the phase its time again), a later one launches.
    await eventually('the launch by the watchdog', async () => {
      await h.publisher.publish('watchdog-tick', { at: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 1000));
      return h.launches.some((l) => l.jobId === 'v-orphan-c1');
    });
    const record = await eventually('the launch recorded', async () => ((await h.store.getDedup(key))?.state === 'completed' ? h.store.getDedup(key) : undefined));
    expect(record?.outcome).toMatch(/^test job v-orphan-c1 launched by the watchdog as v-orphan-c1-exec-\d+$/);
    const at = new Date().toISOString();
    await h.recordResults({ loopId: 'v-orphan', cycle: 1, jobId: 'v-orphan-c1', run: green(), exitCode: 0, crashed: false, commandStartedAt: at, commandFinishedAt: at });
    const c = await finished('v-orphan', 1);
    expect([c.verdict, c.totals?.tests]).toEqual(['succeeded', 2]);
    // The redelivery that comes at last is answered from the record: no second launch.
    await h.publisher.publish('deploy-finished', message);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.launches.filter((l) => l.jobId === 'v-orphan-c1')).toHaveLength(1);
  });

  it('the watchdog publishes what a step that died left in the outbox of an ended cycle', async () => {
    await h.createLoop('v-sweep');
    const events = await h.collect('loop-events');
    const written = new Date(Date.now() - 60_000).toISOString();
    const verdict = { loopId: 'v-sweep', cycle: 1, type: 'verdict', verdict: 'succeeded', at: written };
    await h.store.transact({ loopId: 'v-sweep', cycle: 1 }, () => ({
      writes: {
        loop: { currentCycle: 1, status: 'succeeded' },
        cycles: [{ n: 1, data: { loopId: 'v-sweep', n: 1, phase: 'done', verdict: 'succeeded', phaseAt: { done: new Date().toISOString() }, outbox: { 'verdict-1': { topic: 'loop-events', data: verdict, createdAt: written, publishedAt: null } } } }],
      },
      result: undefined,
    }));
    await h.publisher.publish('watchdog-tick', {});
    await eventually('the verdict event', () => events.find((e) => (e as { loopId: string }).loopId === 'v-sweep'));
    expect(events.filter((e) => (e as { loopId: string }).loopId === 'v-sweep')).toEqual([verdict]);
    await eventually('marked published', async () => (await h.store.getCycle('v-sweep', 1))?.outbox['verdict-1']?.publishedAt !== null);
  });

  it('a job whose commit landed but whose answer was lost: the watchdog publishes what it left, its retry records nothing twice', async () => {
    await h.createLoop('v-lost-answer');
    const finishedMessages = await h.collect('tests-finished');
    await h.publisher.publish('deploy-finished', deployment('v-lost-answer'));
    await eventually('the job launch', () => h.launches.some((l) => l.jobId === 'v-lost-answer-c1'));
    const at = new Date().toISOString();
    const report = { loopId: 'v-lost-answer', cycle: 1, jobId: 'v-lost-answer-c1', run: red(), exitCode: 1, crashed: false, commandStartedAt: at, commandFinishedAt: at };
    // The first attempt commits, then its process dies before it publishes (a minute ago, so
    // its messages count as abandoned at once).
    const dying = dyingJob();
    await expect(dying(report)).rejects.toThrow('the job was killed');
    expect((await h.store.getCycle('v-lost-answer', 1))?.phase).toBe('analyzing');
    // The job's retry finds its own results recorded and changes nothing.
    const retried = await h.recordResults(report);
    expect(retried).toEqual({ kind: 'done', detail: 'cycle 1: the results of v-lost-answer-c1 were already recorded' });
    // What the first attempt left unpublished goes out with the watchdog's sweep.
    await h.publisher.publish('watchdog-tick', {});
    const c = await finished('v-lost-answer', 1);
    expect([c.verdict, c.totals?.tests, c.totals?.failed]).toEqual(['await-fix', 2, 1]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(finishedMessages.filter((m) => (m as { loopId: string }).loopId === 'v-lost-answer')).toHaveLength(1);
  });

  it('the watchdog publishes what a step that died left in the outbox of a running cycle', async () => {
    await h.createLoop('v-stranded');
    await h.publisher.publish('deploy-finished', deployment('v-stranded'));
    await eventually('the job launch', () => h.launches.some((l) => l.jobId === 'v-stranded-c1'));
    const at = new Date().toISOString();
    const dying = dyingJob();
    await expect(dying({ loopId: 'v-stranded', cycle: 1, jobId: 'v-stranded-c1', run: green(), exitCode: 0, crashed: false, commandStartedAt: at, commandFinishedAt: at })).rejects.toThrow('the job was killed');
    // Nobody retries: only the watchdog's tick can move the cycle on, long before its analysis deadline.
    await h.publisher.publish('watchdog-tick', {});
    const c = await finished('v-stranded', 1);
    expect(c.verdict).toBe('succeeded');
  });

  it('an analysis that never came: the watchdog sends tests-finished once more before it would block the loop', async () => {
    await h.createLoop('v-resend', {}, { deadlines: { analysisSeconds: 1 } });
    await h.publisher.publish('deploy-finished', deployment('v-resend'));
    await eventually('the job launch', () => h.launches.some((l) => l.jobId === 'v-resend-c1'));
    const at = new Date().toISOString();
    // tests-finished is published and then lost in transit (dead-lettered after crashes, say).
    const lossy = createRecordResults({ store: h.store, publisher: { publish: async () => 'lost-in-transit' }, clock: { now: () => new Date() }, log: silentLogger });
    expect((await lossy({ loopId: 'v-resend', cycle: 1, jobId: 'v-resend-c1', run: green(), exitCode: 0, crashed: false, commandStartedAt: at, commandFinishedAt: at })).kind).toBe('done');
    await new Promise((r) => setTimeout(r, 1200));
    await h.publisher.publish('watchdog-tick', {});
    const c = await finished('v-resend', 1);
    expect([c.verdict, c.totals?.tests]).toEqual(['succeeded', 2]);
    expect(c.outbox['tests-finished-1']?.resentAt).toBeDefined();
  });

  it('cancelled with tdl cancel; the job that reports late changes nothing', async () => {
    await h.createLoop('v-cancel');
    await h.publisher.publish('deploy-finished', deployment('v-cancel'));
    await eventually('testing', async () => (await h.store.getCycle('v-cancel', 1))?.phase === 'testing');
    const cli = await runTdl(h, ['cancel', 'v-cancel', '--reason', 'wrong branch']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^published loop-control \d+: cancel v-cancel/);
    const c = await finished('v-cancel', 1);
    expect(c.verdict).toBe('cancelled');
    expect(c.verdictReason).toMatch(/^cancelled by .+: wrong branch$/);
    expect((await h.store.getLoop('v-cancel'))?.status).toBe('cancelled');
    const at = new Date().toISOString();
    const late = await h.recordResults({ loopId: 'v-cancel', cycle: 1, jobId: 'v-cancel-c1', run: green(), exitCode: 0, crashed: false, commandStartedAt: at, commandFinishedAt: at });
    expect(late).toEqual({ kind: 'ignored', detail: 'cycle 1 is done (job v-cancel-c1): results of v-cancel-c1 not recorded' });
    expect((await h.store.getCycle('v-cancel', 1))?.totals).toBeUndefined();
  });

  it('a re-run of a finished loop starts a new cycle with the reason recorded (tdl rerun --retest)', async () => {
    await h.createLoop('v-rerun');
    const first = await cycleWith('v-rerun', 1, green());
    expect(first.verdict).toBe('succeeded');
    const cli = await runTdl(h, ['rerun', 'v-rerun', '--retest', '--reason', 'flaky staging DNS', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout.trim().split('\n').at(-1)!)).toMatchObject({ loopId: 'v-rerun', topic: 'deploy-finished' });
    await eventually('the new job', () => h.launches.some((l) => l.jobId === 'v-rerun-c2'));
    const second = await h.store.getCycle('v-rerun', 2);
    expect(second).toMatchObject({ trigger: 'retest', commit: first.commit, reason: 're-run of a loop that had ended succeeded: flaky staging DNS' });
    expect((await h.store.getLoop('v-rerun'))).toMatchObject({ status: 'running', runStartCycle: 2 });
  });

  it('tdl status, report and evaluate read what the loop stored', async () => {
    await h.createLoop('v-cli');
    await cycleWith('v-cli', 1, red());
    const status = await runTdl(h, ['status', 'v-cli', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      loopId: 'v-cli',
      status: 'awaiting-fix',
      cycle: 1,
      phase: 'done',
      passRate: 0.5,
      cycles: [{ n: 1, verdict: 'await-fix', totals: { tests: 2, passed: 1, failed: 1 } }],
    });
    const report = await runTdl(h, ['report', 'v-cli', '--cycle', '1']);
    expect(report.stdout).toContain('| 50.0 % | 2 | 1 | 1 | 0 | 0 | 0 | 0.05 s |');
    const criteria = path.join(tmpdir(), `criteria-${h.projectId}.json`);
    await writeFile(criteria, JSON.stringify({ minPassRate: 0.5 }));
    const evaluated = await runTdl(h, ['evaluate', 'v-cli', '--criteria', criteria, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!)).toEqual([
      expect.objectContaining({ n: 1, storedVerdict: 'await-fix', verdict: 'succeeded', passRate: 0.5, changed: true }),
    ]);
    await writeFile(criteria, JSON.stringify({ minPassRate: 2 }));
    const bad = await runTdl(h, ['evaluate', 'v-cli', '--criteria', criteria]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('minPassRate: Too big: expected number to be <=1');
    const unknown = await runTdl(h, ['status', 'nope']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, `tdl status: no loop "nope" in the emulators at ${h.emulators.pubsubHost} and ${h.emulators.firestoreHost} (project ${h.projectId})`]);
  });

  it('tdl register creates a loop from a config, and updates its config later', async () => {
    const config = path.join(tmpdir(), `loop-${h.projectId}.json`);
    const base = { loopId: 'v-registered', services: [{ name: 'api' }], tests: { command: ['npm', 'test'], results: ['reports/*.xml'] } };
    await writeFile(config, JSON.stringify({ ...base, guards: { maxCycles: 3 }, notify: { slack: { webhookUrl: { env: 'TDL_SLACK_URL' } } } }));
    const first = await runTdl(h, ['register', '--config', config, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout.trim())).toEqual({ loopId: 'v-registered', created: true });
    await writeFile(config, JSON.stringify({ ...base, guards: { maxCycles: 9 } }));
    const second = await runTdl(h, ['register', '--config', config, '--json']);
    expect(JSON.parse(second.stdout.trim())).toEqual({ loopId: 'v-registered', created: false });
    const loop = await h.store.getLoop('v-registered');
    expect(loop).toMatchObject({ status: 'running', currentCycle: 0, config: { guards: { maxCycles: 9 } } });
    // The second config has no Slack sink: the stored config lost it, not merged it back in.
    expect(loop!.config.notify?.slack).toBeUndefined();
  });

  it('tdl watch follows a loop until it ends', async () => {
    await h.createLoop('v-watch');
    let started!: () => void;
    const watchingStarted = new Promise<void>((r) => (started = r));
    const watching = runTdl(h, ['watch', 'v-watch', '--timeout', '30'], 30_000, (out) => out.includes('\n') && started());
    // The loop starts only once watch has said what it watches (a loaded machine starts node slowly).
    await watchingStarted;
    await cycleWith('v-watch', 1, green());
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.split('\n');
    expect(lines[0]).toMatch(/^watching v-watch \(running, cycle 0\)/);
    for (const expected of [/v-watch #1 +testing/, /v-watch #1 +analyzing/, /v-watch #1 +reporting/, /v-watch #1 +verdict succeeded/, /v-watch #1 +loop ended succeeded/]) {
      expect(lines.some((l) => expected.test(l)), String(expected)).toBe(true);
    }
  });
});
