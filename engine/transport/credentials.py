"""Registry credentials: docker config.json and its helpers, containers auth.json, the keyring.

Lookup order follows the seeds: docker's config (credHelpers, then auths, then
credsStore), then the containers auth.json podman and skopeo use, then the
system keyring, where `rex registry login` stores what it is given unless
docker names a credential helper. With no usable keyring (or the keyring turned
off) a login goes where `docker login` puts it without a credential store: base64
`auth` under `auths` in docker's config.json (DOCKER_CONFIG respected), mode 0600,
with a warning that says so. No secret is ever logged or put in an error, and
that file is the only one this module writes one to.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.atomic import replace_file
from engine.errors import ConfigurationError, Remedy, ValidationError
from engine.frozen import Frozen

if TYPE_CHECKING:
    from types import ModuleType


def _keyring() -> ModuleType:
    """keyring, imported on first use: it costs start-up time most commands never need."""
    import keyring

    return keyring


__all__ = ["HELPER_TIMEOUT", "KEYRING_SERVICE", "CredentialStore", "Credentials"]

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "rex-tui"
HELPER_TIMEOUT = 10.0  # seconds; a helper waiting on a locked keychain must not hang us

_TOKEN_USERNAME = "<token>"  # docker's marker: the helper's Secret is an identity token
_DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)
_DOCKER_HUB_SERVER = "https://index.docker.io/v1/"  # the key docker itself uses for Hub
_HELPER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # no path tricks in helper names
_HELPER_NOT_FOUND = "credentials not found"  # docker-credential-helpers' "missing" message

_FILE_HINT = "Fix or remove the file."
_SECRET_FIELDS = frozenset({"auth", "username", "password", "identitytoken", "registrytoken"})
_HELPER_HINT = (
    "Check the helper with 'docker-credential-NAME list', or remove it from "
    "credHelpers / credsStore in the docker config.json."
)
_KEYRING_HINT = (
    "Install and unlock a Secret Service such as gnome-keyring, or configure a docker "
    "credential helper ('credsStore' in ~/.docker/config.json), or 'pip install "
    "keyrings.alt' for a plaintext file if you accept that risk."
)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Credentials(Frozen):
    """A registry login; the secrets stay out of repr and str."""

    username: str
    password: str = field(repr=False)
    identity_token: str | None = field(default=None, repr=False)
    """An OAuth refresh token for the token realm (docker's `identitytoken`)."""
    source: str = ""
    """Where these came from, for diagnostics: "docker config.json", "keyring", ..."""


def _registry_key(name: str) -> str:
    """The `host[:port]` a registry name, URL or auth-file key names; Hub aliases -> docker.io."""
    host = name.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    return _DOCKER_HUB if host in _DOCKER_HUB_ALIASES else host


def _checked_key(registry: str) -> str:
    key = _registry_key(registry)
    if not key or any(c.isspace() for c in key):
        raise ValidationError(f"not a registry host: {registry!r}", hint="Use host[:port].")
    return key


def _server_url(key: str) -> str:
    """The server address docker would hand a helper for this registry."""
    return _DOCKER_HUB_SERVER if key == _DOCKER_HUB else key


def _matching_keys(section: Mapping[str, object], key: str) -> list[str]:
    """Keys of `section` for registry `key`: whole-registry keys first, then `host/repo` ones."""
    ranked: list[tuple[int, int, str]] = []
    for index, name in enumerate(section):
        if _registry_key(name) != key:
            continue
        # A URL (https://index.docker.io/v1/) names the whole registry; a bare
        # host/path (podman's quay.io/org) only a namespace inside it.
        scoped = "://" not in name and bool(name.strip().partition("/")[2].strip("/"))
        ranked.append((int(scoped), index, name))
    return [name for _, _, name in sorted(ranked)]


def _read_json(path: Path) -> dict[str, object] | None:
    """The JSON object in `path`, or None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ConfigurationError(
            f"{path} is not UTF-8 text", hint=_FILE_HINT, remedy=Remedy.LOGIN
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read {path}: {exc.strerror}", hint=_FILE_HINT, remedy=Remedy.LOGIN
        ) from None
    if not text.strip():
        return {}  # docker treats an empty config.json as an empty object
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # `from None`: the decode error holds the whole document, secrets and all.
        raise ConfigurationError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno})",
            hint=_FILE_HINT,
            remedy=Remedy.LOGIN,
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path} must hold a JSON object", hint=_FILE_HINT, remedy=Remedy.LOGIN
        )
    return data


def _section(data: Mapping[str, object], name: str, path: Path) -> dict[str, object]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"{path}: '{name}' must be a JSON object", hint=_FILE_HINT, remedy=Remedy.LOGIN
        )
    return value


def _entry_credentials(entry: object, where: str, source: str) -> Credentials | None:
    """Credentials from one `auths` entry; None for docker's empty `{}` marker."""
    names = ("auth", "username", "password", "identitytoken")
    values = [entry.get(k) or "" for k in names] if isinstance(entry, dict) else [None]
    if not all(isinstance(v, str) for v in values):
        raise ConfigurationError(
            f"{where} must be an object of strings", hint=_FILE_HINT, remedy=Remedy.LOGIN
        )
    auth, username, password, token = (str(v) for v in values)
    if auth.strip():
        padded = auth.strip() + "=" * (-len(auth.strip()) % 4)  # some tools drop the padding
        try:
            decoded = base64.b64decode(padded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""  # reported below without the decoder's message
        username, sep, password = decoded.partition(":")  # passwords may contain ':'
        if not sep:
            raise ConfigurationError(
                f"{where}: 'auth' is not base64 of 'user:password'",
                hint=_FILE_HINT,
                remedy=Remedy.LOGIN,
            )
    if not (username or password or token):
        return None
    if token and not username:
        username = _TOKEN_USERNAME
    return Credentials(username, password, identity_token=token or None, source=source)


def _first_entry(
    auths: Mapping[str, object], names: list[str], path: Path, source: str
) -> Credentials | None:
    """The credentials of the first of `names` in `auths` that holds some."""
    for name in names:
        found = _entry_credentials(auths[name], f"{path}: auths[{name!r}]", source)
        if found is not None:
            return found
    return None


def _json_object(text: str) -> dict[str, object] | None:
    """`text` as a JSON object, or None when it is anything else."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _helper_name(value: object, where: str) -> str:
    if not isinstance(value, str) or not _HELPER_NAME.match(value):
        raise ConfigurationError(
            f"{where} is not a credential helper name", hint=_FILE_HINT, remedy=Remedy.LOGIN
        )
    return value


def _helper_detail(output: str, secret: str | None) -> str:
    """The helper's last line of complaint, unless it might quote a secret."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    line = lines[-1][:200] if lines else ""
    risky = (secret and secret in line) or line.startswith("{") or "secret" in line.lower()
    return f": {line}" if line and not risky else ""


def _write_json_atomically(path: Path, data: Mapping[str, object]) -> None:
    """Replace `path` with `data` so a crash leaves either the old or the new file."""
    try:
        replace_file(path, (json.dumps(data, indent="\t") + "\n").encode("utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot rewrite {path}: {exc.strerror}",
            hint="Check the file's and its directory's permissions.",
        ) from None


class CredentialStore:
    """Finds, stores and erases registry credentials across docker, containers and the keyring."""

    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        home: Path | None = None,
        use_keyring: bool = True,
        helper_timeout: float = HELPER_TIMEOUT,
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        default_home = self._env.get("HOME")
        self._home = home or (Path(default_home) if default_home else Path.home())
        self._use_keyring = use_keyring
        self._helper_timeout = helper_timeout

    # -- where things live ---------------------------------------------

    def _docker_config_path(self) -> Path:
        base = self._env.get("DOCKER_CONFIG")
        return (Path(base) if base else self._home / ".docker") / "config.json"

    def _auth_file_path(self) -> Path:
        candidates: list[Path] = []
        if explicit := self._env.get("REGISTRY_AUTH_FILE"):
            candidates.append(Path(explicit))
        if runtime := self._env.get("XDG_RUNTIME_DIR"):
            candidates.append(Path(runtime) / "containers" / "auth.json")
        candidates.append(self._home / ".config" / "containers" / "auth.json")
        # os.path.exists never raises; an unreadable file is reported when read.
        return next((p for p in candidates if os.path.exists(p)), candidates[-1])

    def sources(self) -> list[Path]:
        """The credential files consulted, in priority order; either may not exist."""
        return [self._docker_config_path(), self._auth_file_path()]

    # -- lookup --------------------------------------------------------

    def get(self, registry: str) -> Credentials | None:
        """The credentials for `registry` (host[:port]) from the first source that has them."""
        key = _checked_key(registry)
        for lookup in (self._from_docker, self._from_auth_file, self._from_keyring):
            found = lookup(key)
            if found is not None:
                logger.debug("credentials for %s from %s", key, found.source)
                return found
        logger.debug("no stored credentials for %s", key)
        return None

    def _from_docker(self, key: str) -> Credentials | None:
        path = self._docker_config_path()
        config = _read_json(path)
        if config is None:
            return None
        auths = _section(config, "auths", path)
        recorded = _matching_keys(auths, key)
        helper = self._helper_choice(config, path, key)
        if helper is not None and helper[1]:
            found = self._helper_get(helper[0], key, recorded)
            if found is not None:
                return found
        found = _first_entry(auths, recorded, path, "docker config.json")
        if found is not None or helper is None or helper[1]:
            return found
        if self._helper_program(helper[0]) is None:
            # A stale credsStore (Docker Desktop uninstalled) must not break anonymous pulls.
            logger.warning("credsStore helper docker-credential-%s is not on PATH", helper[0])
            return None
        return self._helper_get(helper[0], key, recorded)

    def _from_auth_file(self, key: str) -> Credentials | None:
        path = self._auth_file_path()
        data = _read_json(path)
        if data is None:
            return None
        auths = _section(data, "auths", path)
        return _first_entry(auths, _matching_keys(auths, key), path, "containers auth.json")

    def _from_keyring(self, key: str) -> Credentials | None:
        if not self._use_keyring:
            return None
        try:
            raw = _keyring().get_password(KEYRING_SERVICE, key)
        except Exception as exc:  # backends raise anything (dbus, locked, NoKeyringError)
            logger.debug("keyring unavailable, skipped (%s: %s)", type(exc).__name__, exc)
            return None
        if raw is None:
            return None
        data = _json_object(raw) or {}
        username, password, token = (data.get(k) for k in ("username", "password", "identitytoken"))
        if not (isinstance(username, str) and isinstance(password, str)) or not isinstance(
            token, str | None
        ):
            raise ConfigurationError(
                f"the keyring entry for {key} (service '{KEYRING_SERVICE}') is not valid",
                hint="Log in again, or remove the entry.",
                remedy=Remedy.LOGOUT,
                registry=key,
            )
        return Credentials(username, password, identity_token=token or None, source="keyring")

    # -- credential helpers --------------------------------------------

    def _helper_choice(
        self, config: Mapping[str, object], path: Path, key: str
    ) -> tuple[str, bool] | None:
        """The docker helper for `key` and whether it is registry-specific (credHelpers)."""
        helpers = _section(config, "credHelpers", path)
        for name in _matching_keys(helpers, key):
            return _helper_name(helpers[name], f"{path}: credHelpers[{name!r}]"), True
        store = config.get("credsStore")
        if store is None or store == "":
            return None
        return _helper_name(store, f"{path}: credsStore"), False

    def _helper_program(self, name: str) -> str | None:
        return shutil.which(f"docker-credential-{name}", path=self._env.get("PATH", os.defpath))

    def _run_helper(
        self,
        name: str,
        action: str,
        server: str,
        *,
        payload: str | None = None,
        secret: str | None = None,
        missing_ok: bool = False,
    ) -> str | None:
        """Run `docker-credential-NAME ACTION`: its stdout, or None when it has no such entry."""
        program = self._helper_program(name)
        if program is None:
            raise ConfigurationError(
                f"credential helper 'docker-credential-{name}' is not on PATH", hint=_HELPER_HINT
            )
        what = f"credential helper '{name}' ({action} {server})"
        try:
            done = subprocess.run(
                [program, action],
                input=(server if payload is None else payload).encode(),
                capture_output=True,
                env=self._env,
                timeout=self._helper_timeout,
                check=False,
            )
        # `from None` below: these exceptions keep the helper's input and output.
        except subprocess.TimeoutExpired:
            message = f"{what} did not answer within {self._helper_timeout:g} s"
            raise ConfigurationError(message, hint=_HELPER_HINT) from None
        except (OSError, subprocess.SubprocessError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise ConfigurationError(f"{what} could not run: {reason}", hint=_HELPER_HINT) from None
        stdout = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0:
            return stdout
        output = stdout + "\n" + done.stderr.decode("utf-8", "replace")
        if missing_ok and _HELPER_NOT_FOUND in output.lower():
            return None
        code = done.returncode
        status = f"exit status {code}" if code >= 0 else f"killed by signal {-code}"
        detail = _helper_detail(output, secret)
        raise ConfigurationError(f"{what} failed with {status}{detail}", hint=_HELPER_HINT)

    def _helper_get(self, name: str, key: str, recorded: list[str]) -> Credentials | None:
        """Ask helper `name`, trying docker's recorded server addresses before ours."""
        for server in dict.fromkeys([*recorded, _server_url(key)]):
            out = self._run_helper(name, "get", server, missing_ok=True)
            if out is None:
                continue
            data = _json_object(out) or {}
            username, secret = data.get("Username"), data.get("Secret")
            if not isinstance(username, str) or not isinstance(secret, str):
                raise ConfigurationError(
                    f"credential helper '{name}' answered 'get {server}' with invalid JSON",
                    hint=_HELPER_HINT,
                )
            source = f"credential helper '{name}'"
            if username == _TOKEN_USERNAME:
                return Credentials(username, "", identity_token=secret, source=source)
            return Credentials(username, secret, source=source)
        return None

    def _helper_servers(self, name: str, key: str, recorded: list[str]) -> list[str]:
        """Every server address helper `name` holds for `key`: from `list`, else by probing."""
        try:
            listed = _json_object(self._run_helper(name, "list", "") or "")
        except ConfigurationError:
            listed = None  # not every helper implements list
        if listed is not None:
            return _matching_keys(listed, key)
        candidates = dict.fromkeys([*recorded, _server_url(key)])
        return [s for s in candidates if self._run_helper(name, "get", s, missing_ok=True)]

    # -- store and erase -----------------------------------------------

    def store(self, registry: str, credentials: Credentials) -> str:
        """Save credentials in docker's helper for `registry`, else the keyring; says where."""
        key = _checked_key(registry)
        path = self._docker_config_path()
        config = _read_json(path) or {}
        helper = self._helper_choice(config, path, key)
        if helper is not None:
            name = helper[0]
            recorded = _matching_keys(_section(config, "auths", path), key)
            server = next(iter(recorded), _server_url(key))  # where get() looks first
            token = credentials.identity_token
            username, secret = (
                (_TOKEN_USERNAME, token) if token else (credentials.username, credentials.password)
            )
            payload = json.dumps({"ServerURL": server, "Username": username, "Secret": secret})
            self._run_helper(name, "store", server, payload=payload, secret=secret)
            logger.info("stored credentials for %s in credential helper '%s'", key, name)
            return f"credential helper '{name}'"
        if not self._use_keyring:
            return self._store_in_docker_config(path, config, key, credentials, "keyring off")
        value = {"username": credentials.username, "password": credentials.password}
        if credentials.identity_token:
            value["identitytoken"] = credentials.identity_token
        try:
            _keyring().set_password(KEYRING_SERVICE, key, json.dumps(value))
            backend = str(_keyring().get_keyring().name)
        except Exception as exc:  # backends raise anything; never show it (it may hold the value)
            reason = f"no usable keyring: {type(exc).__name__}"
            return self._store_in_docker_config(path, config, key, credentials, reason)
        logger.info("stored credentials for %s in the keyring (%s)", key, backend)
        return f"keyring ({backend})"

    def _store_in_docker_config(
        self,
        path: Path,
        config: dict[str, object],
        key: str,
        credentials: Credentials,
        reason: str,
    ) -> str:
        """Store as `docker login` does without a credential store: base64 in config.json."""
        auths = _section(config, "auths", path)
        server = next(iter(_matching_keys(auths, key)), _server_url(key))
        pair = f"{credentials.username}:{credentials.password}".encode()
        entry: dict[str, object] = {"auth": base64.b64encode(pair).decode("ascii")}
        if credentials.identity_token:
            entry["identitytoken"] = credentials.identity_token
        previous = auths.get(server)
        if isinstance(previous, dict):  # keep what docker keeps beside it (e.g. "email")
            entry = {**{k: v for k, v in previous.items() if k not in _SECRET_FIELDS}, **entry}
        config["auths"] = {**auths, server: entry}
        _write_json_atomically(path, config)
        try:
            os.chmod(path, 0o600)  # it holds a password now, whatever its mode was
        except OSError as exc:
            raise ConfigurationError(
                f"cannot make {path} private (mode 0600): {exc.strerror}",
                hint="Check the file's owner and permissions.",
            ) from None
        logger.warning(
            "%s: stored the login for %s in %s as base64, not encrypted, as 'docker login' "
            "does without a credential store",
            reason,
            key,
            path,
        )
        return f"docker config.json ({path}), not encrypted"

    def erase(self, registry: str) -> list[str]:
        """Remove `registry`'s credentials from every source; the places they were removed from."""
        key = _checked_key(registry)
        removed: list[str] = []
        if self._erase_from_keyring(key):
            removed.append("keyring")
        docker_path = self._docker_config_path()
        config = self._readable_for_erase(docker_path)
        helper: tuple[str, bool] | None = None
        recorded: list[str] = []
        if config is not None:
            try:
                helper = self._helper_choice(config, docker_path, key)
            except ConfigurationError as exc:
                logger.warning("skipped the credential helper while erasing: %s", exc.message)
            recorded = _matching_keys(_section(config, "auths", docker_path), key)
            if self._drop_entries(docker_path, config, key):
                removed.append(f"docker config.json ({docker_path})")
        auth_path = self._auth_file_path()
        auth = self._readable_for_erase(auth_path)
        if auth is not None and self._drop_entries(auth_path, auth, key):
            removed.append(f"containers auth.json ({auth_path})")
        # The helper goes last: if it fails, the other places are already clean.
        if helper is not None and (helper[1] or self._helper_program(helper[0])):
            servers = self._helper_servers(helper[0], key, recorded)
            for server in servers:
                self._run_helper(helper[0], "erase", server, missing_ok=True)
            if servers:
                removed.append(f"credential helper '{helper[0]}'")
        logger.info("erased credentials for %s from %s", key, ", ".join(removed) or "nowhere")
        return removed

    def _erase_from_keyring(self, key: str) -> bool:
        if not self._use_keyring:
            return False
        try:
            if _keyring().get_password(KEYRING_SERVICE, key) is None:
                return False
        except Exception as exc:  # no usable keyring holds nothing to erase
            logger.debug("keyring unavailable, skipped (%s)", type(exc).__name__)
            return False
        try:
            _keyring().delete_password(KEYRING_SERVICE, key)
        except Exception as exc:
            raise ConfigurationError(
                f"cannot remove the credentials for {key} from the keyring ({type(exc).__name__})",
                hint=_KEYRING_HINT,
            ) from None
        return True

    def _readable_for_erase(self, path: Path) -> dict[str, object] | None:
        """The file's JSON with a valid `auths`, or None (logged) so logout goes on elsewhere."""
        try:
            data = _read_json(path)
            if data is not None:
                _section(data, "auths", path)
            return data
        except ConfigurationError as exc:
            logger.warning("skipped while erasing credentials: %s", exc.message)
            return None

    def _drop_entries(self, path: Path, data: dict[str, object], key: str) -> bool:
        auths = _section(data, "auths", path)
        doomed = set(_matching_keys(auths, key))
        if not doomed:
            return False
        data["auths"] = {name: entry for name, entry in auths.items() if name not in doomed}
        _write_json_atomically(path, data)
        return True
