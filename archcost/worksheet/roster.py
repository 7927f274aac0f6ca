"""A class list: one student a row (id, name, and an optional email), one variant each.

The roster is a CSV with a header naming its columns (``id``, ``name``,
``email``; an LMS's export works too: 'ID number' or 'SIS User ID' for the id,
'Student' or 'First name' + 'Last name'/'Surname' for the name, 'Email
address'), or, without a header, the columns in that order. Each student gets
the next variant; their name and id go on their sheet and into key.json, so
``archcost grade --roster`` can write a gradebook by id.

>>> [s.name for s in parse_roster("r.csv", "id,name\\n2024001,Kim Minji\\n2024002,Lee Jun\\n")]
['Kim Minji', 'Lee Jun']
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

from ..errors import ArchcostError

ID_COLUMNS = ("id", "student id", "id number", "sis user id", "student number", "학번")
NAME_COLUMNS = ("name", "student", "full name", "이름")
FIRST, LAST = ("first name", "firstname"), ("last name", "surname", "lastname")
EMAIL_COLUMNS = ("email", "email address", "e-mail", "이메일")


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, **({"email": self.email} if self.email else {})}


def _col(header, names):
    return next((header.index(n) for n in names if n in header), None)


def parse_roster(path: str, text: str) -> list[Student]:
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise ArchcostError(f"the roster '{path}' has no students", "write one student a row: id,name,email",
                            file=path)
    header = [h.strip().lower() for h in rows[0]]
    i_id, i_name, i_email = _col(header, ID_COLUMNS), _col(header, NAME_COLUMNS), _col(header, EMAIL_COLUMNS)
    i_first, i_last = _col(header, FIRST), _col(header, LAST)
    if i_id is None and i_name is None and i_first is None:
        i_id, i_name, i_email, body, first_line = 0, 1, 2, rows, 1    # no header: id, name, email
    else:
        body, first_line = rows[1:], 2
        if i_id is None:
            raise ArchcostError(f"the roster has no id column (its columns: {', '.join(header)})",
                                "name a column 'id' (or 'ID number', 'SIS User ID')", file=path, line=1)
    students, seen = [], {}
    for n, r in enumerate(body, first_line):
        cell = (lambda i: r[i].strip() if i is not None and i < len(r) else "")
        name = cell(i_name) or " ".join(x for x in (cell(i_first), cell(i_last)) if x)
        sid = cell(i_id)
        if not sid:
            raise ArchcostError("a student without an id", "give every row an id", file=path,
                                line=n)
        if sid in seen:
            raise ArchcostError(f"id '{sid}' is on line {seen[sid]} too",
                                "give each student one row", file=path, line=n)
        seen[sid] = n
        students.append(Student(sid, name or sid, cell(i_email)))
    if not students:
        raise ArchcostError(f"the roster '{path}' has a header and no students", "add one student a row", file=path)
    return students


def read_roster(path: str) -> list[Student]:
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchcostError(f"the roster '{path}' is not UTF-8 text", "save it as CSV (UTF-8)", file=path) from None
    except OSError as exc:
        raise ArchcostError(f"cannot read the roster '{path}': {exc.strerror}", "give the class list CSV",
                            file=path) from None
    return parse_roster(path, text)


def assign(sheets, students) -> list:
    """Each sheet with its student (the n-th student gets the n-th variant)."""
    return [replace(s, info={**s.info, "student": st.to_dict()}) for s, st in zip(sheets, students)]


def students_of(key: dict) -> dict:
    """variant id -> Student, from a key.json written with a roster."""
    return {vid: Student(**s["student"]) for vid, s in key.items() if isinstance(s.get("student"), dict)}
