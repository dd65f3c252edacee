// name: suppliers_by_tier_any
// answers: The suppliers of an enterprise up to N tiers back along every SUPPLIES link, each at its
//   nearest tier with one shortest path (supplier first, the enterprise last).
// param id: str  the customer enterprise id
// param tiers: int = 3  how many tiers back (1 to 6)
// example: supplymap query suppliers_by_tier_any -p id=91440300MA5D34567E -p tiers=2
MATCH (c:Enterprise {id: $id})
MATCH path = (s:Enterprise)-[:SUPPLIES*1..6]->(c)
WHERE length(path) <= $tiers AND s <> c
WITH s, path ORDER BY length(path)
WITH s, collect(path)[0] AS path
RETURN length(path) AS tier, s.id AS id, s.name AS name,
       [r IN relationships(path) | r.product][0] AS product,
       [n IN nodes(path) | n.id] AS path
ORDER BY tier, id
