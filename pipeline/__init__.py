"""UNTOC submissions pipeline: submissions in, classified paragraphs and priorities out.

`pipeline.load_model(path).predict(texts)` classifies texts with a stored model. Heavy modules
load on first use, so importing the package stays cheap.
"""

from __future__ import annotations

__all__ = ["load_model"]


def __getattr__(name: str):
    if name == "load_model":
        from pipeline.classify.store import load_model

        return load_model
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
