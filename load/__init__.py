"""Locust scenarios for authconform: ``locust -f load/locustfile.py --host URL``."""
