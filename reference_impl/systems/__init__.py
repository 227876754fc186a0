"""The three systems' handlers (FIB, User API, Duktig) and the services they share."""
