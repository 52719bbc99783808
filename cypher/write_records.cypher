// Creates record versions with their mentions, name keys, identifiers,
// addresses, vehicles and plates. One statement, so each record is written
// whole or not at all.
UNWIND $records AS rec
CREATE (r:Record {
  rid: rec.rid, key: rec.key, rkey: rec.rkey, source: rec.source,
  record_id: rec.record_id, version: rec.version, kind: rec.kind,
  date: rec.date, end_date: rec.end_date, status: rec.status,
  current: rec.current, batch_id: $batch_id, token: $token,
  outcome: rec.outcome, line: rec.line, raw: rec.raw, body: rec.body,
  content: rec.content
})
FOREACH (men IN rec.mentions |
  CREATE (m:Mention {
    id: men.id, idx: men.idx, role: men.role, given: men.given,
    dob: men.dob, person: men.person
  })-[:IN]->(r)
  FOREACH (part IN men.surname_parts |
    MERGE (k:NameKey {part: part})
    CREATE (m)-[:NAMED]->(k))
  FOREACH (ident IN men.identifiers |
    MERGE (i:Ident {key: ident})
    CREATE (m)-[:HAS_ID]->(i))
  FOREACH (address IN men.addresses |
    MERGE (a:Address {key: address})
    CREATE (m)-[:AT]->(a))
)
FOREACH (vehicle IN rec.vehicles |
  MERGE (v:Vehicle {key: vehicle})
  CREATE (r)-[:HAS_VEHICLE]->(v))
FOREACH (plate IN rec.plates |
  MERGE (p:Plate {key: plate})
  CREATE (r)-[:HAS_PLATE]->(p))
