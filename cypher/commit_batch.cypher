// The commit marker, written last: a batch without one did not finish.
CREATE (b:Batch {
  id: $id, token: $token, source: $source, file: $file,
  committed_at: $committed_at, received: $received, inserted: $inserted,
  duplicates: $duplicates, superseded: $superseded, stale: $stale,
  quarantined: $quarantined
})
