// Records that a finished resolution applied every review decision up to
// id $through. The mark never moves back.
MERGE (s:ResolutionState {name: 'decisions'})
ON CREATE SET s.applied = 0
SET s.applied = CASE WHEN $through > s.applied THEN $through ELSE s.applied END
