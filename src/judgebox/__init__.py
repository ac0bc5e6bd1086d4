"""judgebox: judge programs against problem datasets inside a real sandbox."""

# The one version of judgebox: pyproject.toml reads it (dynamic), so do the CLI's
# --version and the OpenAPI document.
__version__ = "0.1.0"
