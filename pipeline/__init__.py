"""UNTOC submissions pipeline."""
