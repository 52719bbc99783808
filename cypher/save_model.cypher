// Keeps the JSON text of the model the last trained resolution scored
// with, replacing the one kept before.
MERGE (s:ResolutionState {name: 'model'})
SET s.json = $json
