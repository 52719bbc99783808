// Whether any mention belongs to the entity.
MATCH (m:Mention {entity: $entity})
RETURN m.id AS id
LIMIT 1
