// For each vehicle key, the newest current registrations naming it.
UNWIND $keys AS key
MATCH (v:Vehicle {key: key})<-[:HAS_VEHICLE]-(r:Record)
WHERE r.current = true AND r.kind = 'vehicle_registration'
WITH DISTINCT key, r
ORDER BY key, coalesce(r.date, '') DESC, r.source, r.record_id
WITH key AS node, collect(r.rid) AS rids
RETURN node, rids[0..$limit] AS rids
