// name: enterprise_search
// answers: Enterprises whose name or one of whose aliases contains a text (any case).
// param text: str  part of the name, e.g. "mask"
// param limit: int = 50  at most this many rows
// example: supplymap query enterprise_search -p text=nonwoven
MATCH (e:Enterprise)
WHERE toLower(e.name) CONTAINS toLower($text)
   OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) CONTAINS toLower($text))
RETURN e.id AS id, e.name AS name, e.region AS region, e.aliases AS aliases
ORDER BY name, id
LIMIT $limit
