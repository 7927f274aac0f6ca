"""The architecture zoo: one YAML spec per family, shipped as package data."""
