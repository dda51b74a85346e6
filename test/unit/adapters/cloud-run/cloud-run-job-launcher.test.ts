import { describe, expect, it } from 'vitest';
import { CloudRunJobLauncher, EXECUTIONS_SCANNED, type CloudRunJobClients, type ExecutionView } from '../../../../shared/adapters/cloud-run/cloud-run-job-launcher.js';
import { InvalidInputError, TransientError } from '../../../../shared/kernel/errors.js';

const JOB = 'projects/shop-staging/locations/us-central1/jobs/tdl-tests';

/** Cloud Run as far as the launcher sees it: runJob creates an execution whose template carries the overrides; listing is newest first. */
function fakeCloudRun(initial: ExecutionView[] = []) {
  const executions = [...initial];
  const runs: Array<Parameters<CloudRunJobClients['runJob']>[0]> = [];
  const clients: CloudRunJobClients & { failList?: Error; failRun?: Error } = {
    async runJob(request) {
      if (clients.failRun) throw clients.failRun;
      runs.push(request);
      const name = `${request.name}/executions/tdl-tests-${String(executions.length + 1).padStart(5, '0')}`;
      executions.unshift({ name, template: { containers: [{ env: request.overrides.containerOverrides[0]!.env }] } });
      return { name: `projects/shop-staging/locations/us-central1/operations/op-${runs.length}`, metadata: { name } };
    },
    async *listExecutions(request) {
      if (clients.failList) throw clients.failList;
      expect(request.parent).toBe(JOB);
      yield* executions;
    },
  };
  return { clients, runs, executions };
}

const request = (jobId: string) => ({ loopId: 'shop-main', cycle: 3, jobId, serviceUrls: { 'shop-api': 'https://shop-api-x7-uc.a.run.app' } });
const launcher = (clients: CloudRunJobClients) => new CloudRunJobLauncher({ projectId: 'shop-staging', region: 'us-central1', job: 'tdl-tests' }, clients);

describe('CloudRunJobLauncher', () => {
  it('starts one execution with the cycle and the service URLs as environment overrides', async () => {
    const cloud = fakeCloudRun();
    const { executionId } = await launcher(cloud.clients).launch(request('shop-main-3-a1b2c3d4'));
    expect(executionId).toBe(`${JOB}/executions/tdl-tests-00001`);
    expect(cloud.runs).toHaveLength(1);
    expect(cloud.runs[0]!.name).toBe(JOB);
    expect(cloud.runs[0]!.overrides.containerOverrides[0]!.env).toEqual(
      expect.arrayContaining([
        { name: 'TDL_LOOP_ID', value: 'shop-main' },
        { name: 'TDL_CYCLE', value: '3' },
        { name: 'TDL_JOB_ID', value: 'shop-main-3-a1b2c3d4' },
        { name: 'TDL_URL_SHOP_API', value: 'https://shop-api-x7-uc.a.run.app' },
      ]),
    );
  });

  it('a redelivered launch finds the execution it started and does not start a second one', async () => {
    const cloud = fakeCloudRun();
    const first = await launcher(cloud.clients).launch(request('shop-main-3-a1b2c3d4'));
    // Another instance (the redelivery lands elsewhere), after other cycles ran.
    await launcher(cloud.clients).launch(request('shop-main-4-bbbbbbbb'));
    const again = await launcher(cloud.clients).launch(request('shop-main-3-a1b2c3d4'));
    expect(again).toEqual(first);
    expect(cloud.runs.map((r) => r.overrides.containerOverrides[0]!.env.find((e) => e.name === 'TDL_JOB_ID')!.value)).toEqual(['shop-main-3-a1b2c3d4', 'shop-main-4-bbbbbbbb']);
  });

  it('an execution of another job id, or one without overrides, is not taken for this launch', async () => {
    const cloud = fakeCloudRun([
      { name: `${JOB}/executions/by-hand`, template: { containers: [{ env: null }] } },
      { name: `${JOB}/executions/other`, template: { containers: [{ env: [{ name: 'TDL_JOB_ID', value: 'shop-main-2-ffffffff' }] }] } },
    ]);
    await launcher(cloud.clients).launch(request('shop-main-3-a1b2c3d4'));
    expect(cloud.runs).toHaveLength(1);
  });

  it(`looks back ${EXECUTIONS_SCANNED} executions at most`, async () => {
    const old = { name: `${JOB}/executions/ancient`, template: { containers: [{ env: [{ name: 'TDL_JOB_ID', value: 'shop-main-3-a1b2c3d4' }] }] } };
    const newer = Array.from({ length: EXECUTIONS_SCANNED }, (_, i) => ({ name: `${JOB}/executions/e${i}`, template: { containers: [{ env: [] }] } }));
    const cloud = fakeCloudRun([...newer, old]);
    await launcher(cloud.clients).launch(request('shop-main-3-a1b2c3d4'));
    expect(cloud.runs).toHaveLength(1);
  });

  it.each([
    ['listing', 'failList', 14, TransientError, /looking for an execution of shop-main-3-a1b2c3d4: unavailable/],
    ['listing', 'failList', 7, InvalidInputError, /tdl-tests: looking for an execution/],
    ['running', 'failRun', 8, TransientError, /starting shop-main-3-a1b2c3d4: unavailable/],
    ['running', 'failRun', 5, InvalidInputError, /starting shop-main-3-a1b2c3d4/],
  ] as const)('a failure while %s (%s, gRPC code %i) is classified and names the job', async (_what, where, code, type, message) => {
    const cloud = fakeCloudRun();
    cloud.clients[where] = Object.assign(new Error('unavailable'), { code });
    const error = await launcher(cloud.clients).launch(request('shop-main-3-a1b2c3d4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).cause).toBe(cloud.clients[where]);
  });
});
