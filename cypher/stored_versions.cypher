// Every stored version of the given (source, record id) pairs, with the
// content token and outcome of the batch attempt that wrote it and the hash
// of the record's content.
UNWIND $rkeys AS rkey
MATCH (r:Record {rkey: rkey})
RETURN rkey, r.version AS version, r.token AS token, r.outcome AS outcome,
  r.content AS content
