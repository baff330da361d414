"""Fictitious names for the sample company's customers and staff (any likeness is coincidence)."""

from __future__ import annotations

import random
import unicodedata

_SURNAMES = {
    "DE": (
        "Müller",
        "Schneider",
        "Fischer",
        "Weber",
        "Becker",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Richter",
        "Wolf",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Krüger",
        "Hartmann",
        "Lange",
        "Brandt",
        "Vogel",
        "Graf",
        "Kühn",
    ),
    "SE": (
        "Andersson",
        "Johansson",
        "Lindqvist",
        "Bergström",
        "Nyström",
        "Holmberg",
        "Sjöberg",
        "Åkesson",
        "Lundgren",
        "Engström",
    ),
    "NO": ("Hansen", "Johannessen", "Solberg", "Haugen", "Bakken", "Strand", "Lie", "Dahl", "Moen", "Berg"),
    "FI": ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen"),
    "ES": ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz", "Hernández", "Díaz"),
}
_TRADES = {
    "DE": ("Maschinenbau", "Elektrotechnik", "Haustechnik", "Logistik", "Bau", "Werkzeuge", "Metallbau"),
    "SE": ("Bygg", "Elteknik", "Verkstad", "Logistik", "Maskin", "VVS"),
    "NO": ("Bygg", "Elektro", "Maskin", "Transport", "Rør", "Verktøy"),
    "FI": ("Rakennus", "Sähkö", "Kone", "Logistiikka", "Teräs", "LVI"),
    "ES": ("Construcciones", "Suministros", "Instalaciones", "Distribución", "Maquinaria", "Talleres"),
}
_FORMS = {
    "DE": ("GmbH", "GmbH & Co. KG", "AG", "e.K."),
    "SE": ("AB",),
    "NO": ("AS",),
    "FI": ("Oy",),
    "ES": ("S.L.", "S.A."),
}
_COUNTRY_WEIGHTS = (("DE", 45), ("SE", 15), ("NO", 12), ("FI", 10), ("ES", 18))
_FIRST = (
    "Anna",
    "Lars",
    "Jonas",
    "Maria",
    "Elena",
    "Mikko",
    "Ingrid",
    "Javier",
    "Sofia",
    "Thomas",
    "Kari",
    "Laura",
    "Henrik",
    "Lucía",
    "Jens",
    "Aino",
    "Pablo",
    "Katrin",
    "Ola",
    "Emma",
)


def company(rng: random.Random) -> tuple[str, str]:
    country = rng.choices([c for c, _ in _COUNTRY_WEIGHTS], weights=[w for _, w in _COUNTRY_WEIGHTS])[0]
    surname = rng.choice(_SURNAMES[country])
    trade = rng.choice(_TRADES[country])
    form = rng.choice(_FORMS[country])
    if country == "ES":
        return country, f"{trade} {surname} {form}"
    return country, f"{surname} {trade} {form}"


def person(rng: random.Random) -> tuple[str, str]:
    country = rng.choice(list(_SURNAMES))
    return rng.choice(_FIRST), rng.choice(_SURNAMES[country])


def id_stem(name: str) -> str:
    """GP-style customer ID stem: the first letters of the name, ASCII upper case."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    letters = "".join(ch for ch in ascii_name.upper() if ch.isalpha())
    return letters[:6]
