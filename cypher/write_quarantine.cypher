// Stores quarantine entries keyed by source and raw text; an entry quarantined
// again keeps its id and first batch, takes the new reason and version, and
// is no longer resolved. A conflicting version re-opens its entry even when a
// replay has just closed it.
UNWIND $entries AS e
MERGE (q:Quarantine {qkey: e.qkey})
ON CREATE SET q.id = e.id, q.source = e.source, q.file = e.file,
  q.line = e.line, q.record_id = e.record_id, q.raw = e.raw,
  q.first_batch = $batch_id
SET q.reason = e.reason, q.field = e.field, q.version = e.version,
  q.resolved_batch = null,
  q.replayed_batch = CASE WHEN e.reopen THEN null ELSE q.replayed_batch END
