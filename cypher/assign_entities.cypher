// Sets the entity of each listed mention.
UNWIND $rows AS row
MATCH (m:Mention {id: row[0]})
SET m.entity = row[1]
