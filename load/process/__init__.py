"""Child processes of a load run: the locust command line, the reference server, CPU seconds."""
