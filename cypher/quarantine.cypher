// Quarantine entries, optionally of one source. Only open entries unless $all,
// which adds replayed and resolved ones.
MATCH (q:Quarantine)
WHERE ($source IS NULL OR q.source = $source)
  AND ($all OR (q.replayed_batch IS NULL AND q.resolved_batch IS NULL))
RETURN q.id AS id, q.source AS source, q.file AS file, q.line AS line,
  q.record_id AS record_id, q.field AS field, q.reason AS reason, q.raw AS raw,
  q.replayed_batch AS replayed_batch, q.resolved_batch AS resolved_batch
ORDER BY id
