"""A JSON object read from a file named on the command line, with a precise error if it is not.

Apart from :mod:`repatria.cli.node` so that the commands that read one (``case``, ``request``,
``authority``) need not import each other's modules.
"""

from __future__ import annotations

import json
from pathlib import Path

from repatria.errors import InvalidInput


def read_json_object(file: Path) -> dict[str, object]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {file}", where=str(file)) from None
    except IsADirectoryError:
        raise InvalidInput(f"{file} is a folder; give the JSON file", where=str(file)) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", where=str(file)
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", where=str(file)
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("expected a JSON object", where=str(file))
    return data
