// The largest mention id, or null when there are no mentions.
MATCH (m:Mention)
RETURN max(m.id) AS id
