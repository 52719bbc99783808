// One page of mention ids with their party position, after the given id.
MATCH (m:Mention)
WHERE m.id > $after
RETURN m.id AS id, m.idx AS idx
ORDER BY id
LIMIT $limit
