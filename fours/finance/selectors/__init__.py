"""Reads of the money ledger, one module per desk: ``checks`` (the ledger adds up), and the desks'
own queries beside it."""
