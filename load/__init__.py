"""Load testing of login APIs with Locust: scenarios, open-model figures, capacity search."""
