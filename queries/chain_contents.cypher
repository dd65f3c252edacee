// name: chain_contents
// answers: What a chain contains, stage by stage (upstream, midstream, downstream): its
//   products and how many enterprises make them.
// param chain: str  the chain id
// example: supplymap query chain_contents -p chain=medical-supplies
MATCH (p:Product)-[ic:IN_CHAIN]->(:Chain {id: $chain})
OPTIONAL MATCH (e:Enterprise)-[:PRODUCES]->(p)
WITH ic.stage AS stage, p, count(e) AS producers
ORDER BY p.id
WITH stage, collect(p.id) AS products, sum(producers) AS producer_links
RETURN stage, size(products) AS count, products, producer_links
ORDER BY CASE stage WHEN 'upstream' THEN 0 WHEN 'midstream' THEN 1
                    WHEN 'downstream' THEN 2 ELSE 3 END
