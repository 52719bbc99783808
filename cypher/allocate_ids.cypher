// Reserves n consecutive ids from each named counter; returns the last id
// reserved. Ids lost to a failed batch are never reused.
UNWIND $wants AS want
MERGE (c:Counter {name: want.name})
ON CREATE SET c.value = 0
SET c.value = c.value + want.n
RETURN want.name AS name, c.value AS last
