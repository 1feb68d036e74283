import type { Generated } from 'kysely';

/** One invalidation, written by the process that ended access and read by every other. */
export interface ChangeFeedRow {
  /** Increasing (SQLite AUTOINCREMENT, PostgreSQL bigserial); readers keep the last one they saw. */
  id: Generated<number>;
  /** An `InvalidationTopic`. */
  topic: string;
  /** The id of the invalidated entity (`key_…`, `ses_…`, `usr_…`, `org_…:usr_…`, …); never a secret. */
  entity_id: string;
  /** The process that wrote it (it has applied the change already). */
  origin: string;
  /** Epoch ms; rows older than the retention are pruned. */
  created_at: number;
}

export interface ChangeFeedTables {
  change_feed: ChangeFeedRow;
}
