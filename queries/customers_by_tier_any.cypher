// name: customers_by_tier_any
// answers: The customers of an enterprise up to N tiers on along every SUPPLIES link, each at its
//   nearest tier with one shortest path (the enterprise first, the customer last).
// param id: str  the supplier enterprise id
// param tiers: int = 3  how many tiers on (1 to 6)
// example: supplymap query customers_by_tier_any -p id=91330100MA2B123450 -p tiers=2
MATCH (s:Enterprise {id: $id})
MATCH path = (s)-[:SUPPLIES*1..6]->(c:Enterprise)
WHERE length(path) <= $tiers AND s <> c
WITH c, path ORDER BY length(path)
WITH c, collect(path)[0] AS path
RETURN length(path) AS tier, c.id AS id, c.name AS name,
       [r IN relationships(path) | r.product][-1] AS product,
       [n IN nodes(path) | n.id] AS path
ORDER BY tier, id
