"""Putting fetched files in place in the data folder, with the way back.

A file replaces its predecessor with one rename (the predecessor is kept as a hard link until
the import succeeds); a folder (the address points) is swapped by two renames. If the import
then refuses the data, :meth:`Placement.rollback` puts the last good files back.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


class Placement:
    """Files moved into place by one import group."""

    def __init__(self) -> None:
        self.moves: list[tuple[Path, Path | None]] = []

    def put(self, staged: Path, final: Path) -> None:
        """Move ``staged`` (same file system) to ``final``, keeping the old one for a rollback."""
        final.parent.mkdir(parents=True, exist_ok=True)
        backup: Path | None = None
        if final.exists():
            backup = final.with_name(f".{final.name}.previous-{uuid.uuid4().hex[:8]}")
            if final.is_dir():
                os.replace(final, backup)
            else:
                try:
                    os.link(final, backup)
                except OSError:  # no hard links on this file system
                    shutil.copy2(final, backup)
        os.replace(staged, final)
        self.moves.append((final, backup))

    def rollback(self) -> None:
        """Put every predecessor back (a file that had none is removed)."""
        for final, backup in reversed(self.moves):
            if backup is None:
                _remove(final)
            elif backup.is_dir():
                _remove(final)
                os.replace(backup, final)
            else:
                os.replace(backup, final)
        self.moves.clear()

    def commit(self) -> None:
        """Drop the kept predecessors."""
        for _, backup in self.moves:
            if backup is not None:
                _remove(backup)
        self.moves.clear()
