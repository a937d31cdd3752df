import type { OrchestrationStatus } from '../../database/schema.js';
import {
  ACTIVE_STATUSES,
  canTransition,
  fromStatuses,
  resumeTarget,
  TERMINAL_STATUSES,
  TRANSITIONS,
  type OrchestrationTransition,
} from './orchestration-state.js';
import { ORCHESTRATION_STATUSES } from './dto/orchestration.dto.js';

const ALL: OrchestrationStatus[] = ORCHESTRATION_STATUSES;

/** The contract (API.md): from which status each transition is allowed; everything else is INVALID_STATE. */
const EXPECTED: Record<OrchestrationTransition, OrchestrationStatus[]> = {
  pause: ['PENDING', 'IN_PROGRESS'],
  resume: ['PAUSED'],
  cancel: ['PENDING', 'IN_PROGRESS', 'PAUSED'],
  retryFailed: ['IN_PROGRESS', 'COMPLETED_WITH_ERRORS', 'FAILED'],
  reauthPause: ['PENDING', 'IN_PROGRESS'],
  reauthResume: ['PAUSED'],
  complete: ['PENDING', 'IN_PROGRESS', 'PAUSED'],
  fail: ['PENDING', 'IN_PROGRESS', 'PAUSED'],
};

describe('orchestration state machine', () => {
  it('active and terminal statuses partition every status', () => {
    expect([...ACTIVE_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...ALL].sort());
    expect(ACTIVE_STATUSES.filter((s) => TERMINAL_STATUSES.includes(s))).toEqual([]);
  });

  it('names every transition, and only those', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [transition, allowed] of Object.entries(EXPECTED) as [
    OrchestrationTransition,
    OrchestrationStatus[],
  ][]) {
    it(`${transition} is allowed from ${allowed.join(', ')} and from nothing else`, () => {
      for (const status of ALL)
        expect([status, canTransition(transition, status)]).toEqual([status, allowed.includes(status)]);
      expect([...fromStatuses(transition)].sort()).toEqual([...allowed].sort());
    });
  }

  it('no transition leaves CANCELLED or COMPLETED, and only retry-failed leaves an ended sync', () => {
    for (const t of Object.keys(TRANSITIONS) as OrchestrationTransition[]) {
      expect(canTransition(t, 'CANCELLED')).toBe(false);
      expect(canTransition(t, 'COMPLETED')).toBe(false);
      if (t !== 'retryFailed') for (const s of TERMINAL_STATUSES) expect(canTransition(t, s)).toBe(false);
    }
  });

  it('every target is a status, and pause/cancel/complete/fail end where they say', () => {
    for (const rule of Object.values(TRANSITIONS)) for (const to of rule.to) expect(ALL).toContain(to);
    expect(TRANSITIONS.pause.to).toEqual(['PAUSED']);
    expect(TRANSITIONS.reauthPause.to).toEqual(['PAUSED']);
    expect(TRANSITIONS.cancel.to).toEqual(['CANCELLED']);
    expect(TRANSITIONS.fail.to).toEqual(['FAILED']);
    expect(TRANSITIONS.retryFailed.to).toEqual(['IN_PROGRESS']);
    expect([...TRANSITIONS.complete.to].sort()).toEqual(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED']);
  });

  it('a resume goes back to IN_PROGRESS once a chunk started, else PENDING', () => {
    expect(resumeTarget({ started_at: new Date() })).toBe('IN_PROGRESS');
    expect(resumeTarget({ started_at: null })).toBe('PENDING');
    for (const t of ['resume', 'reauthResume'] as const) {
      expect(TRANSITIONS[t].to).toContain(resumeTarget({ started_at: new Date() }));
      expect(TRANSITIONS[t].to).toContain(resumeTarget({ started_at: null }));
    }
  });

  it('fromStatuses hands out a copy: a caller cannot change the table', () => {
    fromStatuses('pause').push('CANCELLED');
    expect(canTransition('pause', 'CANCELLED')).toBe(false);
  });
});
