"""judgebox: judge programs against problem datasets inside a real sandbox."""

__version__ = "0.1.0"
