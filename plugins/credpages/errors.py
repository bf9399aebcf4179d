"""The one exception type users see: it names the file, the line, the field and what to do."""

from __future__ import annotations

from pathlib import Path


class CredpagesError(Exception):
    """A problem the user can fix: printed as ``file:line: field: message``, never a traceback."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field

    def located(self, *, file: str | Path | None = None, line: int | None = None) -> CredpagesError:
        """The same error with a file (and line) filled in where it had none."""
        return CredpagesError(
            self.message,
            file=self.file or (str(file) if file is not None else None),
            line=self.line if self.line is not None else line,
            field=self.field,
        )

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line is not None else "") + ": "
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"
