// For each record key, the record version if it is current.
UNWIND $keys AS key
MATCH (r:Record {key: key})
WHERE r.current = true
RETURN key AS node, [r.rid] AS rids
