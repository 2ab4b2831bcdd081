"""stub"""

OPERATIONS: tuple[()] = ()
