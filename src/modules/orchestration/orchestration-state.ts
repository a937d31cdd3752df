import type { Orchestration, OrchestrationStatus } from '../../database/schema.js';

/**
 * The orchestration state machine as one table: which status each transition may leave from and
 * where it may go. The services that carry a transition out (orchestration.service.ts: pause, resume,
 * cancel, retry-failed; reauth.service.ts: reauth pause/resume; engine/completion.service.ts:
 * complete, fail) ask `canTransition`/`TRANSITIONS` here for their `allowed` checks and for the
 * guarded UPDATE's `from` list, so the rules live in one place. What each transition does to chunks,
 * jobs and notifications stays in those services, each in one transaction.
 */

export const ACTIVE_STATUSES: OrchestrationStatus[] = ['PENDING', 'IN_PROGRESS', 'PAUSED'];
export const TERMINAL_STATUSES: OrchestrationStatus[] = [
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'CANCELLED',
];

export type OrchestrationTransition =
  'pause' | 'resume' | 'cancel' | 'retryFailed' | 'reauthPause' | 'reauthResume' | 'complete' | 'fail';

export interface TransitionRule {
  /** The statuses the transition may leave from. */
  from: readonly OrchestrationStatus[];
  /** The statuses it may end in. */
  to: readonly OrchestrationStatus[];
}

export const TRANSITIONS: Readonly<Record<OrchestrationTransition, TransitionRule>> = {
  /** User pause: no new chunk starts; queued jobs are cancelled (re-created on resume). */
  pause: { from: ['PENDING', 'IN_PROGRESS'], to: ['PAUSED'] },
  /** User resume: back to IN_PROGRESS (PENDING if no chunk ever started); jobs re-created. */
  resume: { from: ['PAUSED'], to: ['IN_PROGRESS', 'PENDING'] },
  /** Pending chunks CANCELLED with their jobs; running ones finish. */
  cancel: { from: ACTIVE_STATUSES, to: ['CANCELLED'] },
  /** FAILED chunks queued again; a sync that had ended starts a new completion round. */
  retryFailed: { from: ['IN_PROGRESS', 'COMPLETED_WITH_ERRORS', 'FAILED'], to: ['IN_PROGRESS'] },
  /** A provider grant was revoked: paused with reason REAUTH_REQUIRED. */
  reauthPause: { from: ['PENDING', 'IN_PROGRESS'], to: ['PAUSED'] },
  /** The account was authorized again: a REAUTH_REQUIRED pause resumes like `resume`. */
  reauthResume: { from: ['PAUSED'], to: ['IN_PROGRESS', 'PENDING'] },
  /** Every chunk settled: COMPLETED, COMPLETED_WITH_ERRORS, or FAILED when none completed. */
  complete: { from: ACTIVE_STATUSES, to: ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED'] },
  /** Ends at once (revoked authorization, deleted connection). */
  fail: { from: ACTIVE_STATUSES, to: ['FAILED'] },
};

/** Whether `transition` may leave `status`. */
export function canTransition(transition: OrchestrationTransition, status: OrchestrationStatus): boolean {
  return TRANSITIONS[transition].from.includes(status);
}

/** The statuses `transition` may leave from, as the guarded UPDATE's `from` list. */
export function fromStatuses(transition: OrchestrationTransition): OrchestrationStatus[] {
  return [...TRANSITIONS[transition].from];
}

/** Where a resume (user or reauth) goes: IN_PROGRESS once a chunk has started, else PENDING. */
export function resumeTarget(o: Pick<Orchestration, 'started_at'>): OrchestrationStatus {
  return o.started_at ? 'IN_PROGRESS' : 'PENDING';
}
