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
    # 50 random bits, 5 per character: the same uniform draw as ten ``secrets.choice`` calls,
    # one system call instead of ten (bulk imports make hundreds of thousands)
    bits = secrets.randbits(50)
    return PREFIX + "".join(ALPHABET[(bits >> shift) & 31] for shift in range(45, -1, -5))
