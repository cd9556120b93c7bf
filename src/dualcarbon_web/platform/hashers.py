"""A cheaper Argon2 for the test suite only (same algorithm, lower cost); never used in production."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
