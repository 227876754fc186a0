"""Credentials and tokens: Iroha signatures, password hashes, JWTs, server keys, login limits."""
