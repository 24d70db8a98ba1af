"""The native format (YAML or JSON; the structure of dataset/*.yaml): files -> one validated Batch."""

from __future__ import annotations

import hashlib
import os

from importers import loaders
from importers.validate import batch_from_document
from store.records import Batch


def read_native(path: str | os.PathLike[str], fmt: str) -> tuple[Batch, str]:
    """Parse and validate one file; returns the batch and the file's sha256."""
    name = loaders.display_path(path)
    data = loaders.read_bytes(path)
    text = loaders.decode_text(data, name)
    doc = loaders.load_yaml(text, name) if fmt == "yaml" else loaders.load_json(text, name)
    return batch_from_document(doc, name), hashlib.sha256(data).hexdigest()
