/**
 * The job a `@OnJob` handler receives, as pg-boss delivers it: handlers import these from here, so
 * only src/jobs/ imports pg-boss. `JobWithMetadata` adds the job's state, retries and output (what a
 * dead-letter handler reads about the job that died).
 */
export type { Job, JobWithMetadata } from 'pg-boss';
