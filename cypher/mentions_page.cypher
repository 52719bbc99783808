// The mentions with ids in ($after, $after + $span], in id order. Paging by
// id range keeps each page an index range scan: paging with ORDER BY and
// LIMIT would sort every remaining mention on each page.
MATCH (m:Mention)
WHERE m.id > $after AND m.id <= $after + $span
WITH m
MATCH (m)-[:IN]->(r:Record)
RETURN m.id AS id, r.source AS source, r.record_id AS record_id, r.rid AS rid,
  m.role AS role, m.person AS person
ORDER BY id
