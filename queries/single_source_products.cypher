// name: single_source_products
// answers: The products of a chain with a sole, regional or group single source, as written
//   by the last analysis run, most concentrated first.
// param chain: str  the chain id
// example: supplymap query single_source_products -p chain=medical-supplies
MATCH (p:Product)-[:IN_CHAIN]->(:Chain {id: $chain})
WHERE p.sourcing = 'sole' OR p.regional_single_source OR p.group_single_source
RETURN p.id AS product, p.name AS name, p.sourcing AS sourcing, p.producers AS producers,
       p.regional_single_source AS regional, p.single_source_region AS region,
       p.group_single_source AS grouped, p.single_source_group AS group_parent,
       p.hhi AS hhi
ORDER BY hhi DESC, product
