"""Secrets from the operating system's keyring: `password = { keyring = "service/name" }` in the config,
stored with `profitlens credentials set service/name` (prompted, never echoed)."""

from __future__ import annotations

from common.errors import ConfigError


def _split(reference: str, key: str) -> tuple[str, str]:
    service, sep, name = reference.partition("/")
    if not sep or not service or not name:
        raise ConfigError(f"{reference!r} is not service/name", key=key, hint='e.g. { keyring = "profitlens/smtp" }')
    return service, name


def read_secret(reference: str, key: str, file: str | None = None) -> str:
    """The secret stored under `service/name`, or a ConfigError that says how to store it."""
    import keyring  # noqa: PLC0415 - only configurations that use the keyring need it
    from keyring.errors import KeyringError  # noqa: PLC0415

    service, name = _split(reference, key)
    try:
        value = keyring.get_password(service, name)
    except KeyringError as exc:
        raise ConfigError(
            f"the keyring cannot be read: {exc}",
            key=key,
            file=file,
            hint='on a server without a keyring, use "${ENV_NAME}" instead',
        ) from None
    if value is None:
        raise ConfigError(
            f"no secret is stored under {reference!r} in the keyring",
            key=key,
            file=file,
            hint=f"run: profitlens credentials set {reference}",
        )
    return value


def store_secret(reference: str, value: str) -> None:
    import keyring  # noqa: PLC0415
    from keyring.errors import KeyringError  # noqa: PLC0415

    service, name = _split(reference, "credentials set")
    try:
        keyring.set_password(service, name, value)
    except KeyringError as exc:
        raise ConfigError(
            f"the keyring cannot store secrets here: {exc}",
            key="credentials set",
            hint='use "${ENV_NAME}" values in the configuration instead',
        ) from None
