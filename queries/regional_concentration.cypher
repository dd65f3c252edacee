// name: regional_concentration
// answers: Where an input is made: producer capacity by region at one level (country,
//   province, city...), with each region's share; producers whose region is not known at
//   that level come as one row with no region.
// param id: str  the product id
// param level: str = province  the region level
// example: supplymap query regional_concentration -p id=MB-FABRIC -p level=province
MATCH (e:Enterprise)-[m:PRODUCES]->(p:Product {id: $id})
OPTIONAL MATCH (e)-[:LOCATED_IN]->(:Region)-[:PART_OF*0..6]->(a:Region {level: $level})
WITH a, e, coalesce(m.capacity_per_day, m.output_per_day, 0.0) AS capacity
WITH a, sum(capacity) AS capacity, collect(e.id) AS producers
WITH collect({a: a, capacity: capacity, producers: producers}) AS rows,
     sum(capacity) AS total
UNWIND rows AS row
RETURN row.a.code AS region, row.a.name AS region_name, row.capacity AS capacity_per_day,
       CASE WHEN total > 0 THEN row.capacity / total END AS share,
       size(row.producers) AS producers
ORDER BY capacity_per_day DESC, region
