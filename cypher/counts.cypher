// Node counts for reports and health checks.
OPTIONAL MATCH (r:Record)
WITH count(r) AS records,
  sum(CASE WHEN r.current = true THEN 1 ELSE 0 END) AS current_records
OPTIONAL MATCH (m:Mention)
WITH records, current_records, count(m) AS mentions,
  count(DISTINCT m.entity) AS entities
OPTIONAL MATCH (v:Vehicle)
WITH records, current_records, mentions, entities, count(v) AS vehicles
OPTIONAL MATCH (b:Batch)
WITH records, current_records, mentions, entities, vehicles, count(b) AS batches
OPTIONAL MATCH (q:Quarantine)
WHERE q.replayed_batch IS NULL AND q.resolved_batch IS NULL
RETURN records, current_records, mentions, entities, vehicles, batches,
  count(q) AS quarantined
