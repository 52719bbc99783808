// Which of the given quarantine keys are already stored.
UNWIND $qkeys AS qkey
MATCH (q:Quarantine {qkey: qkey})
RETURN qkey
