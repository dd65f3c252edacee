// name: declared_single_sources
// answers: The products a customer buys from exactly one supplier along SUPPLIES (its
//   declared single sources), with that supplier and the declared share. Declared links
//   only: links written by `supplymap infer` (basis inferred) are not counted.
// param id: str  the customer enterprise id
// example: supplymap query declared_single_sources -p id=91440300MA5D34567E
MATCH (s:Enterprise)-[x:SUPPLIES]->(c:Enterprise {id: $id})
WHERE x.basis IS NULL OR x.basis <> 'inferred'
WITH x.product AS product, collect({s: s, x: x}) AS links
WHERE size(links) = 1
RETURN product, links[0].s.id AS supplier, links[0].s.name AS supplier_name,
       links[0].x.share AS share, links[0].x.lead_time_days AS lead_time_days
ORDER BY product
