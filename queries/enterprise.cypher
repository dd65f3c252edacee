// name: enterprise
// answers: One enterprise by id: where it sits, its ownership group, what it makes and what
//   the analyses found (single point of failure, bottleneck score).
// param id: str  the enterprise id (e.g. a unified social credit code)
// example: supplymap query enterprise -p id=91440300MA5D34567E
MATCH (e:Enterprise {id: $id})
OPTIONAL MATCH (e)-[:LOCATED_IN]->(r:Region)
OPTIONAL MATCH (e)-[:OWNED_BY*1..10]->(parent:Enterprise)
WHERE NOT EXISTS { (parent)-[:OWNED_BY]->(:Enterprise) }
OPTIONAL MATCH (e)-[m:PRODUCES]->(p:Product)
WITH e, r, parent, p, m ORDER BY p.id
RETURN e.id AS id, e.name AS name, r.code AS region, r.name AS region_name,
       parent.id AS group_parent, e.scale AS scale,
       [x IN collect(p.id) WHERE x IS NOT NULL] AS products,
       sum(coalesce(m.capacity_per_day, 0.0)) AS capacity_per_day,
       e.is_spof AS is_spof, e.bottleneck_score AS bottleneck_score,
       e.capacity_criticality AS capacity_criticality
