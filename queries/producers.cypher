// name: producers
// answers: Who makes a product: each producer's capacity, share of the product's capacity,
//   region and ownership group (top parent), largest first.
// param id: str  the product id
// example: supplymap query producers -p id=MB-FABRIC
MATCH (e:Enterprise)-[m:PRODUCES]->(p:Product {id: $id})
OPTIONAL MATCH (e)-[:LOCATED_IN]->(r:Region)
OPTIONAL MATCH (e)-[:OWNED_BY*1..10]->(top:Enterprise)
WHERE NOT EXISTS { (top)-[:OWNED_BY]->(:Enterprise) }
WITH e, m, r, coalesce(top.id, e.id) AS group_parent,
     coalesce(m.capacity_per_day, m.output_per_day) AS capacity
WITH collect({e: e, m: m, r: r, g: group_parent, cap: capacity}) AS rows,
     sum(coalesce(capacity, 0.0)) AS total
UNWIND rows AS row
RETURN row.e.id AS enterprise, row.e.name AS name, row.cap AS capacity_per_day,
       CASE WHEN total > 0 AND row.cap IS NOT NULL THEN row.cap / total END AS share,
       row.r.code AS region, row.g AS group_parent, row.m.as_of AS as_of
ORDER BY capacity_per_day DESC, enterprise
