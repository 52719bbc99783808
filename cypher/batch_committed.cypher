// Counts committed batches with this content token.
MATCH (b:Batch {token: $token})
RETURN count(b) AS n
