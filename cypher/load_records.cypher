// Loads record versions by internal id with their agency and the entity of
// each party. The party pattern starts from the record: written the other way
// round, FalkorDB scans every mention.
UNWIND $rids AS rid
MATCH (r:Record {rid: rid})
OPTIONAL MATCH (s:Source {name: r.source})
RETURN rid, r.body AS body, r.current AS current, s.agency AS agency,
  [(r)<-[:IN]-(m:Mention) | [m.idx, m.entity]] AS parties
