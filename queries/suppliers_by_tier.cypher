// name: suppliers_by_tier
// answers: The suppliers of an enterprise up to N tiers back, following the material: a
//   tier-1 supplier supplies the enterprise a product p; a tier-2 supplier supplies the tier-1
//   supplier an input of p (Product)-[:INPUT_TO]->(Product), or any product where p has no
//   bill of materials on record. Each SUPPLIES link names its Product by x.product, which is
//   how the material is followed here. Declared links only (basis inferred left out); each
//   supplier at its nearest tier with every product it supplies on the way there, and one
//   path (supplier first) with the product of every step. suppliers_by_tier_any follows every
//   link; the command line and the API follow the same rule tier by tier.
// param id: str  the customer enterprise id
// param tiers: int = 3  how many tiers back (1 to 6)
// example: supplymap query suppliers_by_tier -p id=91440300MA5D34567E -p tiers=2
MATCH (c:Enterprise {id: $id})
MATCH path = (s:Enterprise)-[:SUPPLIES*1..6]->(c)
WHERE length(path) <= $tiers AND single(n IN nodes(path) WHERE n.id = $id)
  AND all(x IN relationships(path) WHERE x.basis IS NULL OR x.basis <> 'inferred')
  AND all(k IN range(0, length(path) - 2) WHERE
        relationships(path)[k].product IN
          [(i:Product)-[:INPUT_TO]->(o:Product)
           WHERE o.id = relationships(path)[k + 1].product | i.id]
        OR NOT EXISTS {
          MATCH (:Product)-[:INPUT_TO]->(o:Product)
          WHERE o.id = relationships(path)[k + 1].product
        })
WITH s, path, length(path) AS tier, relationships(path)[0].product AS product
ORDER BY tier, product
WITH s, collect(path) AS paths, collect(tier) AS tiers, collect(product) AS products
RETURN tiers[0] AS tier, s.id AS id, s.name AS name,
       products[0] AS product,
       [k IN range(0, size(paths) - 1) WHERE tiers[k] = tiers[0]
        AND NOT products[k] IN products[0..k] | products[k]] AS products,
       [n IN nodes(paths[0]) | n.id] AS path,
       [x IN relationships(paths[0]) | x.product] AS path_products
ORDER BY tier, id
