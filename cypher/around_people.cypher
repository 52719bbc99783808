// For each entity, its newest current records, at most $limit each.
UNWIND $keys AS entity
MATCH (m:Mention {entity: entity})-[:IN]->(r:Record)
WHERE r.current = true
WITH DISTINCT entity, r
ORDER BY entity, coalesce(r.date, '') DESC, r.source, r.record_id
WITH entity AS node, collect(r.rid) AS rids
RETURN node, rids[0..$limit] AS rids
