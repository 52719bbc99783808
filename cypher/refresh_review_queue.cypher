// Queues possible matches, one node per pair; a pair already queued keeps
// its queued_at and takes the new probability. Every pair of this refresh
// is marked with its run token, so prune_review_queue can drop the rest.
UNWIND $pairs AS p
MERGE (q:ReviewPair {pkey: p.pkey})
ON CREATE SET q.a = p.a, q.b = p.b, q.queued_at = p.queued_at
SET q.probability = p.probability, q.run = $run
