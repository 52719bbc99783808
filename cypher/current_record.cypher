// The current version of one record, by source and record id, loaded whole.
// The filter comes after WITH so that FalkorDB starts from the rkey index.
MATCH (r:Record {rkey: $rkey})
WITH r
WHERE r.current = true
OPTIONAL MATCH (s:Source {name: r.source})
RETURN r.rid AS rid, r.body AS body, r.current AS current, s.agency AS agency,
  [(r)<-[:IN]-(m:Mention) | [m.idx, m.entity]] AS parties
