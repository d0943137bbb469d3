"""Domain errors. Each names the input, what was expected and what to do next."""

from __future__ import annotations

from pipeline.records import ErrorReason


class PipelineError(Exception):
    """Base class for errors the CLI turns into a friendly message."""


class ExtractionError(PipelineError):
    """A file could not be turned into text; `reason` is the stable code for `errors.csv`."""

    def __init__(self, reason: ErrorReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class ModelError(PipelineError):
    """A model file is missing, tampered with, or of an unknown kind."""


class CorpusError(PipelineError):
    """A labelled or reviewed corpus file is malformed."""
