"""The Cypher catalogue: named, parameterised queries, one .cypher file each."""
