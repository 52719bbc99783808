// Entities with a mention carrying the identifier (key is KIND:VALUE).
MATCH (:Ident {key: $key})<-[:HAS_ID]-(m:Mention)
WITH DISTINCT m.entity AS entity
WHERE entity IS NOT NULL
RETURN entity
ORDER BY entity
