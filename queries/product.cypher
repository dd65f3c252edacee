// name: product
// answers: One product by id: its category, chains, producers on record, and the analysis
//   results (sourcing, achievable output, limiting input, single points of failure).
// param id: str  the product id (internal code or HS code)
// example: supplymap query product -p id=N95
MATCH (p:Product {id: $id})
OPTIONAL MATCH (p)-[ic:IN_CHAIN]->(c:Chain)
WITH p, collect(DISTINCT c.id) AS chains
OPTIONAL MATCH (e:Enterprise)-[:PRODUCES]->(p)
RETURN p.id AS id, p.name AS name, p.category AS category, p.hs_code AS hs_code,
       p.unit AS unit, chains, count(e) AS producers_on_record, p.sourcing AS sourcing,
       p.achievable_per_day AS achievable_per_day, p.limiting_input AS limiting_input,
       p.spof_count AS spof_count, p.available AS available
