// Drops queued pairs that the latest refresh (run token) did not list.
MATCH (q:ReviewPair)
WHERE q.run <> $run
DELETE q
