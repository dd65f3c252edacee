// name: product_downstream
// answers: Every product an input goes into through the bill of materials, tier by tier,
//   each at its nearest tier with one shortest path (the input first).
// param id: str  the input product id
// param tiers: int = 5  how many tiers on (1 to 8)
// example: supplymap query product_downstream -p id=PP-HMF
MATCH path = (p:Product {id: $id})-[:INPUT_TO*1..8]->(o:Product)
WHERE length(path) <= $tiers AND o <> p
WITH o, path ORDER BY length(path)
WITH o, collect(path)[0] AS path
RETURN length(path) AS tier, o.id AS id, o.name AS name, o.category AS category,
       [n IN nodes(path) | n.id] AS path
ORDER BY tier, id
