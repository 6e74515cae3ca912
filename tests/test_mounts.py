"""The mount table as programs see it: /etc/mtab, df, statvfs and st_dev, under the kernel."""

from __future__ import annotations

from server.sessions.session import Limits
from tests.kernel_helpers import run, sh

TMP = 16 << 20


def df_row(out: str, mount: str) -> list[str]:
    rows = [line.split() for line in out.splitlines()[1:]]
    return next(r for r in rows if r[-1] == mount)


def test_df_shows_each_mount_and_what_tmp_holds(tmp_path):
    code, out, err = sh(
        "df; head -c 3145728 /dev/zero > /tmp/big; df /tmp", tmp_path, limits=Limits(tmp_bytes=TMP)
    )
    assert code == 0, err
    first, again = out.split("Filesystem")[1:]
    mounts = {line.split()[-1] for line in first.splitlines()[1:]}
    assert {"/", "/home/user", "/tmp"} <= mounts
    size, used, avail = (int(x) for x in df_row("Filesystem" + first, "/tmp")[1:4])
    assert (size, used, avail) == (TMP // 1024, 0, TMP // 1024)
    size, used, avail = (int(x) for x in df_row("Filesystem" + again, "/tmp")[1:4])
    assert (size, used, avail) == (TMP // 1024, 3072, TMP // 1024 - 3072)


def test_python_statvfs_disk_usage_and_ismount(tmp_path):
    code, out, err = run(
        [
            "/bin/python3",
            "-c",
            "import os, shutil\n"
            "st = os.statvfs('/tmp')\n"
            "print(st.f_frsize * st.f_blocks, bool(st.f_flag & os.ST_RDONLY))\n"
            "open('/tmp/f', 'wb').write(bytes(1 << 20))\n"
            "print(shutil.disk_usage('/tmp').used)\n"
            "print(bool(os.statvfs('/usr/local').f_flag & os.ST_RDONLY))\n"
            "print(os.path.ismount('/tmp'), os.path.ismount('/tmp/f'), os.path.ismount('/'))\n"
            "with open('/tmp/f') as f: print(os.fstatvfs(f.fileno()).f_blocks * 4096)\n",
        ],
        tmp_path,
        limits=Limits(tmp_bytes=TMP),
    )
    assert code == 0, err
    assert out.split("\n")[:5] == [
        f"{TMP} False",
        str(1 << 20),
        "True",
        "True False True",
        str(TMP),
    ]


def test_mtab_lists_the_mounts_read_only_where_they_are(tmp_path):
    code, out, err = run(["/bin/cat", "/etc/mtab"], tmp_path)
    assert code == 0, err
    table = {f[1]: f[3] for f in (line.split() for line in out.splitlines())}
    assert table == {
        "/": "ro", "/usr/local": "ro", "/home/user": "rw", "/tmp": "rw", "/dev": "ro", "/proc": "ro"
    }  # fmt: skip
