"""Public complaint numbers: random, not sequential, never mistaken for a phone number."""

from __future__ import annotations

import secrets

# Crockford base32 without I, L, O, U: readable aloud, no confusion with 1/0.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "TS"


def new_public_number() -> str:
    """``TS`` + 10 random characters (50 bits): ``TS7K2M9QX4HD``.

    The letter prefix guarantees it is never 11 digits starting with 1 (a mainland mobile
    number) and the randomness makes neighbouring numbers unguessable.
    """
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(10))
