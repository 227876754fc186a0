"""One module per documented system; every non-abstract Locust user in them is offered.

Adding a system's scenario means adding a module here: ``load.users.discovery`` finds it.
"""
