// The party position of each mention with an id in ($after, $after + $span],
// its record's version and whether that version is current, in id order.
// Paging by id range keeps each page an index range scan, as for the
// mentions themselves.
MATCH (m:Mention)
WHERE m.id > $after AND m.id <= $after + $span
WITH m
MATCH (m)-[:IN]->(r:Record)
RETURN m.id AS id, m.idx AS idx, r.current AS current, r.version AS version
ORDER BY id
