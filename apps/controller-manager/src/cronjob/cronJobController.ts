import { AlreadyExistsError, InvalidError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import type { CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import { controllerRef } from '../common/ownership.js';
import { CRONJOBS, JOBS } from '../resources.js';
import { planCronJob, withStartedJob, type CronJobEvent } from './cronJobPlan.js';

/**
 * CronJob controller (Kubernetes' cronjob_controllerv2): starts a Job at each activation of the
 * schedule, keeps status.active and the history in line with the Jobs, and asks to be woken at the
 * next activation, computed from the CronJob's state and the injected clock.
 */
export function cronJobController(): Controller {
  return {
    name: 'cronjob',
    for: CRONJOBS,
    owns: [JOBS],
    concurrency: 4,
    reconcile: reconcileCronJob,
  };
}

export async function reconcileCronJob(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const cj = await ctx.client.getIfExists(CRONJOBS, ref.namespace, ref.name);
  if (!cj) return;
  // From the API, not the cache: a Job started a moment ago must be seen, or it would be started again.
  const jobs = (await ctx.client.list(JOBS, { namespace: ref.namespace })).items.filter((j) => controllerRef(j)?.uid === cj.metadata.uid) as unknown as Job[];
  const plan = planCronJob(cj, jobs, ctx.now());
  const step = plan.step;
  const record = (events: CronJobEvent[]) => events.forEach((e) => void ctx.events.record(cj, e.type, e.reason, e.message));
  switch (step.kind) {
    case 'writeStatus':
      await writeStatus(cj, step.status, ctx);
      record(step.events);
      break;
    case 'deleteJobs':
      for (const j of step.jobs) {
        try {
          await ctx.client.delete(JOBS, j.metadata!.namespace, j.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: j.metadata!.uid } });
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      await writeStatus(cj, step.status, ctx);
      record(step.events);
      break;
    case 'createJob': {
      let job: KubeObject;
      let created = true;
      try {
        job = await ctx.client.create(JOBS, step.job);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) {
          await ctx.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
          // The template makes a Job the API server refuses: only a change to the CronJob can help.
          if (err instanceof InvalidError) throw new TerminalError((err as Error).message);
          throw err;
        }
        // Started before, but not recorded (a crash between the two writes): record it now, if it is ours.
        job = await ctx.client.get(JOBS, ref.namespace, step.job.metadata.name!);
        if (controllerRef(job)?.uid !== cj.metadata.uid) break;
        created = false;
      }
      await writeStatus(cj, withStartedJob((cj.status ?? {}) as CronJobStatus, job as unknown as Job, step.scheduledTime), ctx);
      if (created) void ctx.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`);
      break;
    }
    case 'none':
      record(step.events);
      break;
  }
  if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(0, plan.requeueAfterMs) };
}

async function writeStatus(cj: KubeObject, status: CronJobStatus, ctx: ReconcileContext): Promise<void> {
  try {
    await ctx.client.updateStatus(CRONJOBS, { ...cj, status: JSON.parse(JSON.stringify(status)) as Record<string, unknown> });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
