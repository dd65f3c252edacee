// name: inferred_suppliers
// answers: Candidate suppliers of an enterprise inferred from what enterprises make: every
//   producer of an input (INPUT_TO) of a product the enterprise produces, with no declared
//   SUPPLIES link of that input between them (basis inferred). The evidence: the input, the
//   bill-of-materials edge (output, qty_per_unit, alt_group) and the candidate's capacity.
//   `supplymap suppliers ID --inferred` walks such links tier by tier.
// param id: str  the enterprise id
// example: supplymap query inferred_suppliers -p id=91440300MA5D34567E
MATCH (c:Enterprise {id: $id})-[:PRODUCES]->(q:Product)<-[b:INPUT_TO]-(i:Product)
      <-[pr:PRODUCES]-(s:Enterprise)
WHERE s <> c AND NOT EXISTS {
  MATCH (s)-[x:SUPPLIES]->(c)
  WHERE x.product = i.id AND (x.basis IS NULL OR x.basis <> 'inferred')
}
RETURN s.id AS id, s.name AS name, i.id AS product, q.id AS output,
       b.qty_per_unit AS qty_per_unit, b.alt_group AS alt_group,
       pr.capacity_per_day AS capacity_per_day, pr.unit AS unit
ORDER BY product, id, output
