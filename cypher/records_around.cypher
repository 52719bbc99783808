// For each node, the internal ids of its newest current records, at most
// $limit each: people by entity, addresses and vehicles by key, records by
// version key. `kind` names the node type of a row. Each part starts from an
// index and filters records after WITH, so FalkorDB does not scan records.
UNWIND $people AS entity
MATCH (:Mention {entity: entity})-[:IN]->(r:Record)
WITH DISTINCT entity, r
WHERE r.current = true
WITH entity, r
ORDER BY entity, coalesce(r.date, '') DESC, r.source, r.record_id
WITH entity, collect(r.rid) AS rids
RETURN 'person' AS kind, entity AS node, rids[0..$limit] AS rids
UNION ALL
UNWIND $addresses AS key
MATCH (:Address {key: key})<-[:AT]-(:Mention)-[:IN]->(r:Record)
WITH DISTINCT key, r
WHERE r.current = true
WITH key, r
ORDER BY key, coalesce(r.date, '') DESC, r.source, r.record_id
WITH key, collect(r.rid) AS rids
RETURN 'address' AS kind, key AS node, rids[0..$limit] AS rids
UNION ALL
UNWIND $vehicles AS key
MATCH (:Vehicle {key: key})<-[:HAS_VEHICLE]-(r:Record)
WITH DISTINCT key, r
WHERE r.current = true AND r.kind = 'vehicle_registration'
WITH key, r
ORDER BY key, coalesce(r.date, '') DESC, r.source, r.record_id
WITH key, collect(r.rid) AS rids
RETURN 'vehicle' AS kind, key AS node, rids[0..$limit] AS rids
UNION ALL
UNWIND $records AS key
MATCH (r:Record {key: key})
WITH key, r
WHERE r.current = true
RETURN 'record' AS kind, key AS node, [r.rid] AS rids
