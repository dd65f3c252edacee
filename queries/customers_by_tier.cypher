// name: customers_by_tier
// answers: The customers of an enterprise up to N tiers on, following the material: a
//   tier-1 customer buys a product p from the enterprise; a tier-2 customer buys from the
//   tier-1 customer a product that p goes into (INPUT_TO), or any product where nothing is
//   known to be made from p. Each SUPPLIES link names its Product by x.product. Declared
//   links only; each customer at its nearest tier with every product it buys on the way
//   there, and one path (the enterprise first) with the product of every step.
//   customers_by_tier_any follows every link.
// param id: str  the supplier enterprise id
// param tiers: int = 3  how many tiers on (1 to 6)
// example: supplymap query customers_by_tier -p id=91330100MA2B123450 -p tiers=2
MATCH (s:Enterprise {id: $id})
MATCH path = (s)-[:SUPPLIES*1..6]->(c:Enterprise)
WHERE length(path) <= $tiers AND single(n IN nodes(path) WHERE n.id = $id)
  AND all(x IN relationships(path) WHERE x.basis IS NULL OR x.basis <> 'inferred')
  AND all(k IN range(0, length(path) - 2) WHERE
        relationships(path)[k + 1].product IN
          [(i:Product)-[:INPUT_TO]->(o:Product)
           WHERE i.id = relationships(path)[k].product | o.id]
        OR NOT EXISTS {
          MATCH (i:Product)-[:INPUT_TO]->(:Product)
          WHERE i.id = relationships(path)[k].product
        })
WITH c, path, length(path) AS tier, relationships(path)[-1].product AS product
ORDER BY tier, product
WITH c, collect(path) AS paths, collect(tier) AS tiers, collect(product) AS products
RETURN tiers[0] AS tier, c.id AS id, c.name AS name,
       products[0] AS product,
       [k IN range(0, size(paths) - 1) WHERE tiers[k] = tiers[0]
        AND NOT products[k] IN products[0..k] | products[k]] AS products,
       [n IN nodes(paths[0]) | n.id] AS path,
       [x IN relationships(paths[0]) | x.product] AS path_products
ORDER BY tier, id
