// Entities with a mention whose surname (or a part of it) matches, narrowed
// by given name and date of birth when given. The filters follow WITH so that
// FalkorDB starts from the name-key index.
MATCH (:NameKey {part: $surname})<-[:NAMED]-(m:Mention)
WITH m
WHERE ($given IS NULL OR m.given = $given)
  AND ($dob IS NULL OR m.dob = $dob)
  AND m.entity IS NOT NULL
RETURN DISTINCT m.entity AS entity
ORDER BY entity
LIMIT $limit
