// Entities with a mention carrying the identifier (key is KIND:VALUE).
MATCH (i:Ident {key: $key})<-[:HAS_ID]-(m:Mention)
WHERE m.entity IS NOT NULL
RETURN DISTINCT m.entity AS entity
ORDER BY entity
