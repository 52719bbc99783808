// Every reviewer's decision, oldest first.
MATCH (d:ReviewDecision)
RETURN d.id AS id, d.kind AS kind, d.records AS records, d.pairs AS pairs,
  d.who AS who, d.reason AS reason, d.decided_at AS decided_at
ORDER BY id
