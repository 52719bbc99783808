// The raw text of one stored record version, by its key.
MATCH (r:Record {key: $key})
RETURN r.raw AS raw
LIMIT 1
