WITH $batch AS nodes
UNWIND nodes AS node
CREATE (n:Node {id: node.id})