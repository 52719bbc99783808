// Whether a mention of a current record version belongs to the entity.
MATCH (m:Mention {entity: $entity})-[:IN]->(r:Record)
WHERE r.current = true
RETURN m.id AS id
LIMIT 1
