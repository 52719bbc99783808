// The mentions of every stored version of the given records, each named by
// its JSON [source, record_id] key, with party position, the version's
// number and whether it is current, in id order.
UNWIND $rkeys AS rkey
MATCH (r:Record {rkey: rkey})<-[:IN]-(m:Mention)
RETURN m.id AS id, r.source AS source, r.record_id AS record_id, r.rid AS rid,
  m.role AS role, m.person AS person, m.idx AS idx, r.current AS current,
  r.version AS version
ORDER BY id
