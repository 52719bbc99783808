// Records the source's agency name; run first in every batch, idempotent.
MERGE (s:Source {name: $source})
SET s.agency = $agency
