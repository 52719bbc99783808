// Marks resolved the open quarantine entries of a source whose record the
// batch accepted at the entry's version or a higher one. An entry with no
// version is resolved by any version. Entries the batch quarantined again
// ($quarantined_now, their qkeys) stay open.
UNWIND $accepted AS a
MATCH (q:Quarantine {record_id: a.record_id})
WITH q, a
WHERE q.source = $source
  AND q.replayed_batch IS NULL AND q.resolved_batch IS NULL
  AND (q.version IS NULL OR q.version <= a.version)
  AND NOT q.qkey IN $quarantined_now
SET q.resolved_batch = $batch_id
