// Marks replayed quarantine entries with the batch that stored them.
UNWIND $ids AS id
MATCH (q:Quarantine {id: id})
SET q.replayed_batch = $batch_id
