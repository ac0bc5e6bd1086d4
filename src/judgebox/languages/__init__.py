"""The language table (languages.toml) and which toolchains this host has."""
