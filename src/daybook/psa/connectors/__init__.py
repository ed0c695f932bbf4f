"""One connector per PSA kind; see base.py for the contract and the registry."""
