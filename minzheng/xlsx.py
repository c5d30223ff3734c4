"""Deterministic .xlsx bytes: the same workbook content gives the same file, whenever written.

openpyxl stamps two times into every file it saves: the zip entries carry the time of writing,
and `save` overwrites the workbook's `modified` property with the clock. Exports that must be
identical each time (the payroll's bank file, the monthly statistics, the synthetic department
files) go through `workbook_bytes`. No Django here: the synthetic data generator uses it too.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import tostring

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold


def zip_without_times(content: bytes, *, replace: dict[str, bytes] | None = None) -> bytes:
    """The same zip with every entry dated 1980-01-01, and the entries in `replace` swapped."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, replace.get(info.filename) or source.read(info.filename))
    return out.getvalue()


def workbook_bytes(workbook: Workbook, *, stamp: dt.datetime) -> bytes:
    """The workbook as .xlsx bytes, created and modified at `stamp` (to the second)."""
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC)
    stamp = stamp.replace(tzinfo=None, microsecond=0)
    buffer = io.BytesIO()
    workbook.save(buffer)  # sets `modified` to the clock: put the stamp back and rewrite it
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    core = tostring(workbook.properties.to_tree())
    return zip_without_times(buffer.getvalue(), replace={ARC_CORE: core})
