// Sets the entity of the mentions with ids from $first to
// $first + size($entities) - 1: mention $first + i gets $entities[i], and a
// null leaves the mention as it is. Matching by id range is one index range
// scan, where looking up each id on its own cost about 40 µs a row on
// FalkorDB. Mentions that already have their entity are not written.
MATCH (m:Mention)
WHERE m.id >= $first AND m.id < $first + size($entities)
WITH m, $entities[m.id - $first] AS entity
WHERE entity IS NOT NULL AND (m.entity IS NULL OR m.entity <> entity)
SET m.entity = entity
