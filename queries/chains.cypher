// name: chains
// answers: Every chain map: its products (by stage), the enterprises that make them, and its
//   key enterprises on the declared white list.
// example: supplymap query chains
MATCH (c:Chain)
RETURN c.id AS id, c.name AS name,
       COUNT { (:Product)-[:IN_CHAIN]->(c) } AS products,
       COUNT { (:Product)-[:IN_CHAIN {stage: 'upstream'}]->(c) } AS upstream,
       COUNT { (:Product)-[:IN_CHAIN {stage: 'midstream'}]->(c) } AS midstream,
       COUNT { (:Product)-[:IN_CHAIN {stage: 'downstream'}]->(c) } AS downstream,
       size([(e:Enterprise)-[:PRODUCES]->(:Product)-[:IN_CHAIN]->(c) | e.id]) AS producer_links,
       COUNT { (:Enterprise)-[:KEY_ENTERPRISE_OF]->(c) } AS listed_key_enterprises
ORDER BY id
