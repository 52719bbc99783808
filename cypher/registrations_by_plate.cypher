// Current registrations naming the plate, newest first, loaded whole.
// Filters on the record come after WITH so that FalkorDB starts from the
// plate index rather than scanning every record.
MATCH (:Plate {key: $plate})<-[:HAS_PLATE]-(r:Record)
WITH DISTINCT r
WHERE r.current = true AND r.kind = 'vehicle_registration'
OPTIONAL MATCH (s:Source {name: r.source})
RETURN r.rid AS rid, r.body AS body, r.current AS current, s.agency AS agency,
  [(r)<-[:IN]-(m:Mention) | [m.idx, m.entity]] AS parties,
  coalesce(r.date, '') AS day
ORDER BY day DESC, rid DESC
