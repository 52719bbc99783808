// One page of mentions in id order, after the given id.
MATCH (m:Mention)-[:IN]->(r:Record)
WHERE m.id > $after
RETURN m.id AS id, r.source AS source, r.record_id AS record_id,
  m.role AS role, m.person AS person
ORDER BY id
LIMIT $limit
