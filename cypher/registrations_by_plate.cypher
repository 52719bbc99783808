// Current registrations naming the plate, newest first.
MATCH (p:Plate {key: $plate})<-[:HAS_PLATE]-(r:Record)
WHERE r.current = true AND r.kind = 'vehicle_registration'
RETURN DISTINCT r.rid AS rid, coalesce(r.date, '') AS day
ORDER BY day DESC, rid DESC
