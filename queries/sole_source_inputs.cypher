// name: sole_source_inputs
// answers: Inputs of a chain's products that have exactly one live producer (capacity on
//   record not 0), and who that is. Inputs with no producer on record are not listed: they
//   are made by an unknown producer, which is not a single source.
// param chain: str  the chain id, e.g. medical-supplies
// example: supplymap query sole_source_inputs -p chain=medical-supplies
MATCH (:Chain {id: $chain})<-[:IN_CHAIN]-(out:Product)<-[:INPUT_TO]-(p:Product)
WITH DISTINCT p
MATCH (e:Enterprise)-[m:PRODUCES]->(p)
WHERE coalesce(m.capacity_per_day, m.output_per_day, 1) > 0
WITH p, collect(e) AS producers
WHERE size(producers) = 1
RETURN p.id AS input, p.name AS name, producers[0].id AS producer,
       producers[0].name AS producer_name
ORDER BY input
