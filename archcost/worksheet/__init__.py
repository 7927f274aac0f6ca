"""Teaching worksheets: the lecture's table and classic questions with blanks, keys and grading.

The flow: :func:`make_sheets` builds one :class:`~archcost.worksheet.model.Sheet`
per student (a network's report, or a drawn variant of it, and the chosen
exercises); :func:`worksheet_files` renders each sheet and its key in
markdown, html, LaTeX or PDF, with an answers CSV per sheet and one
``key.json``; :func:`~archcost.worksheet.grade.grade_files` marks the filled-in
CSVs against that key.

>>> sheets = make_sheets("alexnet", groups=("memory", "params", "flops"), rows=("conv1",))
>>> [b.shown() for b in sheets[0].blanks()]       # EECS 498 lecture 8's AlexNet table, conv1
['784', '23', '73']
"""

import re

from .build import key_json, list_exercises, make_sheets, parse_formats, worksheet_files
from .exercises import EXERCISES
from .render import EXTENSIONS

# the names worksheet_files gives a class's files: `worksheet --force` replaces a folder of only these
CLASS_FILE = re.compile(rf"(worksheets?|keys?)-[^/]+\.({'|'.join(EXTENSIONS.values())})|answers-[^/]+\.csv|key\.json")

__all__ = ["CLASS_FILE", "make_sheets", "worksheet_files", "key_json", "list_exercises", "parse_formats", "EXERCISES"]
