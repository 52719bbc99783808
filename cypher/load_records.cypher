// Loads record versions by internal id with their agency and the entity of
// each party.
UNWIND $rids AS rid
MATCH (r:Record {rid: rid})
OPTIONAL MATCH (s:Source {name: r.source})
OPTIONAL MATCH (m:Mention)-[:IN]->(r)
RETURN rid, r.body AS body, r.current AS current, s.agency AS agency,
  collect([m.idx, m.entity]) AS parties
