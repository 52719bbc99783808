// For each address key, the newest current records naming someone there.
UNWIND $keys AS key
MATCH (a:Address {key: key})<-[:AT]-(m:Mention)-[:IN]->(r:Record)
WHERE r.current = true
WITH DISTINCT key, r
ORDER BY key, coalesce(r.date, '') DESC, r.source, r.record_id
WITH key AS node, collect(r.rid) AS rids
RETURN node, rids[0..$limit] AS rids
