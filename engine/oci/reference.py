"""Image references, `[registry/]repository[:tag][@digest]`, with docker's rules.

The grammar follows distribution/reference (the code docker itself uses), so a
name that docker accepts parses here to the same registry and repository.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from engine.errors import ValidationError, shown
from engine.oci.digest import Digest

__all__ = [
    "DOCKER_HUB",
    "DOCKER_HUB_API",
    "DOCKER_TRANSPORT",
    "MAX_REPOSITORY_LENGTH",
    "Reference",
    "normalize_registry",
    "validate_repository",
    "validate_tag",
]

DOCKER_HUB = "docker.io"
"""Docker Hub's canonical display name, as docker prints it."""
DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_TRANSPORT = "docker://"
"""skopeo's transport prefix for a registry image; `Reference.parse` accepts and drops it."""
"""The host that actually serves Docker Hub's registry API."""
MAX_REPOSITORY_LENGTH = 255

_HUB_ALIASES = frozenset({DOCKER_HUB, DOCKER_HUB_API, "index.docker.io", "registry.hub.docker.com"})
_OFFICIAL_NAMESPACE = "library/"

# The regexes of distribution/reference/regexp.go; re.ASCII because Go's \w is ASCII.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = re.compile(rf"{_HOST}(?::[0-9]+)?", re.ASCII)
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*", re.ASCII)
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_IMAGE_ID = re.compile(r"[a-f0-9]{64}", re.ASCII)

_REGISTRY_HINT = "A registry is a host name with an optional port: 'ghcr.io', 'localhost:5000'."
_REPOSITORY_HINT = (
    "Repository names are lowercase letters and digits, separated by '.', '_', '__' "
    "or '-' within a component and by '/' between components, like 'team/app'."
)
_TAG_HINT = "Use a tag like 'latest', 'v1.2.3' or '3.19-alpine'."
_REFERENCE_HINT = "A reference looks like '[registry/]repository[:tag][@sha256:<hex>]'."


def normalize_registry(host: str) -> str:
    """The canonical name of a registry host: no scheme or path, lowercase, hub aliased."""
    if not isinstance(host, str):
        raise ValidationError(f"a registry must be text, got {type(host).__name__}")
    name = host.strip()
    scheme, sep, rest = name.partition("://")
    if sep and scheme.lower() in ("http", "https"):
        name = rest
    # Everything after the host is a path such as docker's "/v1/" credential key.
    name = name.partition("/")[0].lower()
    if not _DOMAIN.fullmatch(name):
        raise ValidationError(f"invalid registry {shown(host)}", hint=_REGISTRY_HINT)
    return DOCKER_HUB if name in _HUB_ALIASES else name


def validate_repository(name: str) -> str:
    """Return `name` if it is a valid repository path, else raise ValidationError."""
    if not isinstance(name, str):
        raise ValidationError(f"a repository must be text, got {type(name).__name__}")
    if not name:
        raise ValidationError("missing repository name", hint=_REFERENCE_HINT)
    if len(name) > MAX_REPOSITORY_LENGTH:
        raise ValidationError(
            f"repository name {shown(name)} is {len(name)} characters, "
            f"over the limit of {MAX_REPOSITORY_LENGTH}",
            hint=_REPOSITORY_HINT,
        )
    for component in name.split("/"):
        if _PATH_COMPONENT.fullmatch(component):
            continue
        if component and _PATH_COMPONENT.fullmatch(component.lower()):
            raise ValidationError(
                f"invalid repository {shown(name)}: repository names must be lowercase",
                hint=_REPOSITORY_HINT,
            )
        problem = "empty path component" if not component else f"bad component {shown(component)}"
        raise ValidationError(f"invalid repository {shown(name)}: {problem}", hint=_REPOSITORY_HINT)
    return name


def validate_tag(tag: str) -> str:
    """Return `tag` if it is a valid tag, else raise ValidationError."""
    if not isinstance(tag, str):
        raise ValidationError(f"a tag must be text, got {type(tag).__name__}")
    if not _TAG.fullmatch(tag):
        raise ValidationError(
            f"invalid tag {shown(tag)}: tags are letters, digits, '_', '.' and '-', "
            "up to 128 characters, not starting with '.' or '-'",
            hint=_TAG_HINT,
        )
    return tag


def _validate_digest(digest: str) -> str:
    try:
        return str(Digest.parse(digest))
    except ValidationError as exc:
        raise ValidationError(
            f"invalid digest in reference: {exc.message}", hint=exc.hint
        ) from None


def _is_registry(component: str) -> bool:
    # docker's splitDockerDomain: only these mark the first component as a host,
    # which is why "team/app" is a Docker Hub repository, not a host called "team".
    return "." in component or ":" in component or component == "localhost"


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed image reference; `str()` gives the canonical, fully qualified form."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        # Canonicalising here keeps references equal however they were built.
        registry = normalize_registry(self.registry)
        object.__setattr__(self, "registry", registry)
        repository = validate_repository(self.repository)
        # Docker Hub serves official images only under "library/": "alpine" alone 404s.
        if registry == DOCKER_HUB and "/" not in repository:
            repository = validate_repository(_OFFICIAL_NAMESPACE + repository)
            object.__setattr__(self, "repository", repository)
        if self.tag is not None:
            validate_tag(self.tag)
        if self.digest is not None:
            object.__setattr__(self, "digest", _validate_digest(self.digest))

    @classmethod
    def parse(cls, text: str, *, default_registry: str = DOCKER_HUB) -> Reference:
        """Parse `[docker://][registry/]repository[:tag][@digest]` as docker does.

        The `docker://` transport prefix is accepted and dropped, as skopeo writes it.
        """
        if not isinstance(text, str):
            raise ValidationError(f"an image reference must be text, got {type(text).__name__}")
        text = text.removeprefix(DOCKER_TRANSPORT)
        if not text:
            raise ValidationError("empty image reference", hint=_REFERENCE_HINT)
        if text != text.strip() or any(ch.isspace() for ch in text):
            raise ValidationError(
                f"invalid reference {shown(text)}: references contain no spaces",
                hint=_REFERENCE_HINT,
            )
        remainder, at, digest = text.partition("@")
        if at and not digest:
            raise ValidationError(
                f"invalid reference {shown(text)}: missing digest after '@'", hint=_REFERENCE_HINT
            )
        # A ':' after the last '/' starts a tag; one before it is a registry's port.
        slash = remainder.rfind("/")
        colon = remainder.rfind(":")
        tag: str | None = None
        if colon > slash:
            remainder, tag = remainder[:colon], remainder[colon + 1 :]
            if not tag:
                raise ValidationError(
                    f"invalid reference {shown(text)}: missing tag after ':'",
                    hint=_REFERENCE_HINT,
                )
        if not remainder:
            raise ValidationError(
                f"invalid reference {shown(text)}: missing repository name", hint=_REFERENCE_HINT
            )
        first, slash_found, rest = remainder.partition("/")
        if slash_found and _is_registry(first):
            registry, repository = first, rest
        else:
            registry, repository = default_registry, remainder
            # docker refuses these so that an image ID is never pulled as a name.
            if _IMAGE_ID.fullmatch(remainder):
                raise ValidationError(
                    f"invalid reference {shown(text)}: a 64-digit hex string is an image ID, "
                    "not a repository name",
                    hint=_REFERENCE_HINT,
                )
        if not repository:
            raise ValidationError(
                f"invalid reference {shown(text)}: missing repository name", hint=_REFERENCE_HINT
            )
        return cls(registry, repository, tag, digest or None)

    @property
    def identifier(self) -> str:
        """What goes in `/v2/<name>/manifests/<identifier>`: digest, else tag, else latest."""
        return self.digest or self.tag or "latest"

    @property
    def name(self) -> str:
        """`registry/repository`, without tag or digest."""
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        tag = f":{self.tag}" if self.tag is not None else ""
        digest = f"@{self.digest}" if self.digest is not None else ""
        return f"{self.name}{tag}{digest}"

    def familiar(self) -> str:
        """The short form docker prints: hub images lose `docker.io/` and `library/`."""
        name = self.name
        if self.registry == DOCKER_HUB:
            short = self.repository.removeprefix(_OFFICIAL_NAMESPACE)
            if "/" in short:
                short = self.repository
            # "docker.io/0.0/app" shortened would re-parse with "0.0" as its registry.
            first, slash, _ = short.partition("/")
            if not (slash and _is_registry(first)):
                name = short
        tag = f":{self.tag}" if self.tag is not None else ""
        digest = f"@{self.digest}" if self.digest is not None else ""
        return f"{name}{tag}{digest}"

    def with_tag(self, tag: str) -> Reference:
        """The same repository at `tag`; a digest is dropped, as it would pin another image."""
        return dataclasses.replace(self, tag=tag, digest=None)

    def with_digest(self, digest: str) -> Reference:
        """The same reference pinned to `digest`, keeping the tag as docker does."""
        return dataclasses.replace(self, digest=digest)
