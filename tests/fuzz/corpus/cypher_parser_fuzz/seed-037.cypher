// comment
MATCH (n) /* c */ RETURN n