"""The sqlite3 shell (wasm/dist/sqlite3.wasm) on the real machine: queries give what the host's
own SQLite 3.40.1 (Python's sqlite3 module, the same release) gives, dot-commands work, a
database it writes is one python reads, and Ctrl-C stops a runaway query."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from kernel_helpers import run, sh

SETUP = """
create table pupils(id integer primary key, name text, class text, mark real);
insert into pupils(name, class, mark) values
  ('Ada', 'A', 91.5), ('Bob', 'B', 58), ('Cy', 'A', 73.25), ('Di', 'B', 88), ('Ed', 'A', null);
create table classes(class text primary key, teacher text);
insert into classes values ('A', 'Ms Kay'), ('B', 'Mr Lee');
"""
QUERIES = [
    "select name, mark from pupils order by mark desc nulls last",
    "select class, count(*), round(avg(mark), 2), max(mark) from pupils group by class",
    "select p.name, c.teacher from pupils p join classes c using (class) where mark > 60",
    "select name, rank() over (partition by class order by mark desc) from pupils",
    "select json_group_array(json_object('n', name, 'm', mark)) from pupils where class = 'B'",
    "select printf('%5.1f|%-4s|%x', mark, name, id) from pupils where mark is not null",
    "with recursive f(n, v) as (select 1, 1 union all select n + 1, v * (n + 1) from f"
    " where n < 15) select n, v from f",
    "select sqrt(2), pow(2, 40), ln(10), 7 / 2, 7 % 3, -7 / 2.0",
    "select upper(name) || '!', length(name), substr(name, 2), instr(name, 'd') from pupils",
    "select date('2026-11-28', '+1 month'), strftime('%j', '2026-11-28'), julianday('2000-01-01')",
]


def native_rows(sql: str) -> str:
    db = sqlite3.connect(":memory:")
    db.executescript(SETUP)
    out = []
    for row in db.execute(sql):
        out.append("|".join("" if v is None else _text(v) for v in row))
    return "".join(line + "\n" for line in out)


def _text(value: object) -> str:
    """As the shell prints a value (floats in SQLite's own %!.15g, like its printf)."""
    if isinstance(value, float):
        return sqlite3.connect(":memory:").execute("select cast(? as text)", (value,)).fetchone()[0]
    return str(value)


@pytest.mark.parametrize("sql", QUERIES, ids=range(len(QUERIES)))
def test_queries_match_the_native_sqlite(sql: str, tmp_path: Path) -> None:
    (tmp_path / "setup.sql").write_text(SETUP)
    code, out, err = sh(f'sqlite3 -init setup.sql :memory: "{sql}"', tmp_path)
    assert (code, err) == (0, ""), err
    assert out == native_rows(sql)


def test_dot_commands_and_modes(tmp_path: Path) -> None:
    (tmp_path / "setup.sql").write_text(SETUP)
    (tmp_path / "more.csv").write_text("name,class,mark\nFay,B,77\nGus,A,64.5\n")
    script = (
        ".read setup.sql\n.tables\n.schema classes\n.mode csv\n.import more.csv tmp\n"
        "insert into pupils(name, class, mark) select * from tmp;\n"
        "select count(*), sum(mark) from pupils;\n.headers on\n.mode markdown\n"
        "select name, mark from pupils where mark > 80 order by name;\n.mode json\n"
        "select * from classes;\n.output out.txt\nselect 'to a file';\n.output stdout\n"
        "select nosuchcolumn from pupils;\n"
    )
    code, out, err = run(["/bin/sqlite3", "class.db"], tmp_path, stdin=script.encode())
    assert out == (
        "classes  pupils \n"
        "CREATE TABLE classes(class text primary key, teacher text);\n"
        "7,452.25\n"
        "| name | mark |\n|------|------|\n| Ada  | 91.5 |\n| Di   | 88.0 |\n"
        '[{"class":"A","teacher":"Ms Kay"},\n{"class":"B","teacher":"Mr Lee"}]\n'
    )
    assert "no such column: nosuchcolumn" in err and code == 1
    assert (tmp_path / "out.txt").read_text() == '[{"\'to a file\'":"to a file"}]\n'
    # The file it wrote is an ordinary SQLite database: the host reads it.
    db = sqlite3.connect(tmp_path / "class.db")
    assert db.execute("select count(*) from pupils where mark > 60").fetchone() == (5,)


def test_a_database_shared_with_python(tmp_path: Path) -> None:
    code, out, err = sh(
        "python3 -c \"import sqlite3; db = sqlite3.connect('s.db');"
        " db.execute('create table t(x)'); db.executemany('insert into t values (?)',"
        ' [(i,) for i in range(100)]); db.commit()" &&'
        " sqlite3 s.db 'select count(*), sum(x) from t' &&"
        " sqlite3 s.db 'update t set x = x * 2' &&"
        " python3 -c \"import sqlite3; print(sqlite3.connect('s.db').execute("
        "'select sum(x) from t').fetchone()[0])\"",
        tmp_path,
    )
    assert (code, out, err) == (0, "100|4950\n9900\n", "")
