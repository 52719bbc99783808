// Review decisions stored after the last one a finished resolution applied.
OPTIONAL MATCH (s:ResolutionState {name: 'decisions'})
WITH coalesce(s.applied, 0) AS applied
OPTIONAL MATCH (d:ReviewDecision)
WHERE d.id > applied
RETURN count(d) AS unapplied
