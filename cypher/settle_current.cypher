// Makes the highest stored version of each record current and every other
// version not current. Idempotent: re-running a batch re-settles its records.
UNWIND $rkeys AS rkey
MATCH (r:Record {rkey: rkey})
WITH rkey, collect(r) AS versions, max(r.version) AS top
UNWIND versions AS v
SET v.current = (v.version = top)
