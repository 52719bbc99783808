// The JSON text of the model the last trained resolution kept, if any.
MATCH (s:ResolutionState {name: 'model'})
RETURN s.json AS json
