// The review queue; the caller orders it.
MATCH (q:ReviewPair)
RETURN q.a AS a, q.b AS b, q.probability AS probability, q.queued_at AS queued_at
