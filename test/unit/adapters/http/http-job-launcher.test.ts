import { afterEach, describe, expect, it } from 'vitest';
import { HttpJobLauncher } from '../../../../shared/adapters/http/http-job-launcher.js';
import { JobLaunchRecorder } from '../../../../shared/local/job-server.js';

const request = (jobId: string, cycle = 1) => ({ loopId: 'shop', cycle, jobId, serviceUrls: { api: 'http://127.0.0.1:9/' } });

describe('HttpJobLauncher against the local job endpoint', () => {
  let recorder: JobLaunchRecorder | undefined;
  afterEach(async () => recorder?.stop());

  it('runs a job id once: a second launch (a take-over after a stalled delivery) gets the first execution', async () => {
    recorder = new JobLaunchRecorder();
    const launcher = new HttpJobLauncher(await recorder.start());
    const first = await launcher.launch(request('shop-c3', 3));
    const again = await launcher.launch(request('shop-c3', 3));
    expect(again.executionId).toBe(first.executionId);
    expect(recorder.launches.map((l) => l.jobId)).toEqual(['shop-c3']);
  });

  it('runs another job id as a new execution', async () => {
    recorder = new JobLaunchRecorder();
    const launcher = new HttpJobLauncher(await recorder.start());
    const c1 = await launcher.launch(request('shop-c1', 1));
    const c2 = await launcher.launch(request('shop-c2', 2));
    expect(c2.executionId).not.toBe(c1.executionId);
    expect(recorder.launches.map((l) => l.jobId)).toEqual(['shop-c1', 'shop-c2']);
  });

  it('says the endpoint is unreachable, naming it, as a transient error', async () => {
    const launcher = new HttpJobLauncher('http://127.0.0.1:9/');
    await expect(launcher.launch(request('shop-c1'))).rejects.toThrow(/local job endpoint http:\/\/127\.0\.0\.1:9\/ unreachable \(shop-c1\)/);
  });
});
