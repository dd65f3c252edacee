// name: product_upstream
// answers: Everything that goes into a product through the bill of materials, tier by tier,
//   each input at its nearest tier with one shortest path (input first, the product last).
// param id: str  the product id
// param tiers: int = 5  how many tiers back (1 to 8)
// example: supplymap query product_upstream -p id=N95
MATCH path = (i:Product)-[:INPUT_TO*1..8]->(p:Product {id: $id})
WHERE length(path) <= $tiers AND i <> p
WITH i, path ORDER BY length(path)
WITH i, collect(path)[0] AS path
RETURN length(path) AS tier, i.id AS id, i.name AS name, i.category AS category,
       [n IN nodes(path) | n.id] AS path
ORDER BY tier, id
