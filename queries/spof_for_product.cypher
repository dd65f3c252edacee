// name: spof_for_product
// answers: The single points of failure of a key product, as written by the last analysis
//   run (`supplymap analyze all`): each enterprise, region or input product whose loss makes
//   the product unavailable, with the path and reason that explain it.
// param id: str  the key product id
// example: supplymap query spof_for_product -p id=N95
MATCH (x)-[s:SPOF_FOR]->(p:Product {id: $id})
RETURN CASE WHEN x:Enterprise THEN 'enterprise' WHEN x:Region THEN 'region'
            ELSE 'product' END AS kind,
       coalesce(x.id, x.code) AS node, x.name AS name, s.reason AS reason, s.path AS path
ORDER BY size(path), kind, node
