// The current version of one record, by source and record id.
MATCH (r:Record {rkey: $rkey})
WHERE r.current = true
RETURN r.rid AS rid
