// Current records naming the entity, newest first.
MATCH (m:Mention {entity: $entity})-[:IN]->(r:Record)
WHERE r.current = true
RETURN DISTINCT r.rid AS rid, coalesce(r.date, '') AS day
ORDER BY day DESC, rid
