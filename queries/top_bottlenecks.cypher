// name: top_bottlenecks
// answers: The enterprises, regions and products with the highest bottleneck score (weighted
//   key products they are a single point of failure of), then capacity criticality, as
//   written by the last analysis run.
// param limit: int = 20  at most this many rows
// example: supplymap query top_bottlenecks -p limit=10
CALL {
  MATCH (x:Enterprise) WHERE x.bottleneck_score > 0 OR x.capacity_criticality > 0
  RETURN 'enterprise' AS kind, x.id AS node, x.name AS name, x.bottleneck_score AS score,
         x.capacity_criticality AS criticality
  UNION ALL
  MATCH (x:Region) WHERE x.bottleneck_score > 0 OR x.capacity_criticality > 0
  RETURN 'region' AS kind, x.code AS node, x.name AS name, x.bottleneck_score AS score,
         x.capacity_criticality AS criticality
  UNION ALL
  MATCH (x:Product) WHERE x.bottleneck_score > 0 OR x.capacity_criticality > 0
  RETURN 'product' AS kind, x.id AS node, x.name AS name, x.bottleneck_score AS score,
         x.capacity_criticality AS criticality
}
RETURN kind, node, name, score, criticality
ORDER BY score DESC, criticality DESC, node
LIMIT $limit
