// Current records naming the entity, oldest first, undated last.
MATCH (m:Mention {entity: $entity})-[:IN]->(r:Record)
WHERE r.current = true
RETURN DISTINCT r.rid AS rid, coalesce(r.date, '9999-99-99') AS day,
  r.source AS source, r.record_id AS record_id
ORDER BY day, source, record_id
