// One page of mention ids with their party position and whether their
// record version is current, after the given id.
MATCH (m:Mention)-[:IN]->(r:Record)
WHERE m.id > $after
RETURN m.id AS id, m.idx AS idx, r.current AS current
ORDER BY id
LIMIT $limit
