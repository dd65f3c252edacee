// name: key_enterprises_of_chain
// answers: A chain's key-enterprise list as ranked by the last analysis run, with the
//   reasons, and whether each is on the declared white list.
// param chain: str  the chain id
// param limit: int = 50  at most this many rows
// example: supplymap query key_enterprises_of_chain -p chain=medical-supplies
MATCH (e:Enterprise)-[k:KEY_RANK_IN]->(:Chain {id: $chain})
RETURN k.rank AS rank, e.id AS enterprise, e.name AS name,
       k.bottleneck_score AS bottleneck_score, k.capacity_criticality AS capacity_criticality,
       k.capacity_share AS capacity_share, k.listed AS listed, k.reasons AS reasons
ORDER BY rank
LIMIT $limit
