// Current records naming the entity, oldest first, undated last, loaded whole.
MATCH (:Mention {entity: $entity})-[:IN]->(r:Record)
WITH DISTINCT r
WHERE r.current = true
OPTIONAL MATCH (s:Source {name: r.source})
RETURN r.rid AS rid, r.body AS body, r.current AS current, s.agency AS agency,
  [(r)<-[:IN]-(m:Mention) | [m.idx, m.entity]] AS parties,
  coalesce(r.date, '9999-99-99') AS day, r.source AS source,
  r.record_id AS record_id
ORDER BY day, source, record_id
