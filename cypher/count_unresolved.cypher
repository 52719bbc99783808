// Person mentions that resolution has not yet assigned to an entity.
MATCH (m:Mention)
WHERE m.entity IS NULL
RETURN count(m) AS unresolved
