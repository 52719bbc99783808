// Current records naming each entity, newest first, loaded whole; `entity`
// says which entity a row belongs to.
UNWIND $entities AS entity
MATCH (:Mention {entity: entity})-[:IN]->(r:Record)
WITH DISTINCT entity, r
WHERE r.current = true
OPTIONAL MATCH (s:Source {name: r.source})
RETURN entity, r.rid AS rid, r.body AS body, r.current AS current,
  s.agency AS agency, [(r)<-[:IN]-(m:Mention) | [m.idx, m.entity]] AS parties,
  coalesce(r.date, '') AS day
ORDER BY entity, day DESC, rid
