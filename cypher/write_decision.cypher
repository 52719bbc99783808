// Appends one reviewer's decision; decisions are never changed or removed.
CREATE (d:ReviewDecision {
  id: $id, kind: $kind, records: $records, pairs: $pairs,
  who: $who, reason: $reason, decided_at: $decided_at
})
