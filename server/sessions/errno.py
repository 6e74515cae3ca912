"""WASI errno numbers, and the map from the host's (Python's) errno values to them.

Every kernel object raises OSError with Python's errno constants; the syscall layer turns them
into WASI errnos with `wasi_errno`.
"""

from __future__ import annotations

import errno as _host

# WASI preview1 errno names, in numbering order (SUCCESS is 0).
_NAMES = [
    "SUCCESS",
    "2BIG",
    "ACCES",
    "ADDRINUSE",
    "ADDRNOTAVAIL",
    "AFNOSUPPORT",
    "AGAIN",
    "ALREADY",
    "BADF",
    "BADMSG",
    "BUSY",
    "CANCELED",
    "CHILD",
    "CONNABORTED",
    "CONNREFUSED",
    "CONNRESET",
    "DEADLK",
    "DESTADDRREQ",
    "DOM",
    "DQUOT",
    "EXIST",
    "FAULT",
    "FBIG",
    "HOSTUNREACH",
    "IDRM",
    "ILSEQ",
    "INPROGRESS",
    "INTR",
    "INVAL",
    "IO",
    "ISCONN",
    "ISDIR",
    "LOOP",
    "MFILE",
    "MLINK",
    "MSGSIZE",
    "MULTIHOP",
    "NAMETOOLONG",
    "NETDOWN",
    "NETRESET",
    "NETUNREACH",
    "NFILE",
    "NOBUFS",
    "NODEV",
    "NOENT",
    "NOEXEC",
    "NOLCK",
    "NOLINK",
    "NOMEM",
    "NOMSG",
    "NOPROTOOPT",
    "NOSPC",
    "NOSYS",
    "NOTCONN",
    "NOTDIR",
    "NOTEMPTY",
    "NOTRECOVERABLE",
    "NOTSOCK",
    "NOTSUP",
    "NOTTY",
    "NXIO",
    "OVERFLOW",
    "OWNERDEAD",
    "PERM",
    "PIPE",
    "PROTO",
    "PROTONOSUPPORT",
    "PROTOTYPE",
    "RANGE",
    "ROFS",
    "SPIPE",
    "SRCH",
    "STALE",
    "TIMEDOUT",
    "TXTBSY",
    "XDEV",
    "NOTCAPABLE",
]
WASI: dict[str, int] = {name: i for i, name in enumerate(_NAMES)}

_FROM_HOST: dict[int, int] = {
    getattr(_host, "E" + name): num for name, num in WASI.items() if hasattr(_host, "E" + name)
}
_FROM_HOST[_host.EOPNOTSUPP] = WASI["NOTSUP"]
_FROM_HOST[_host.EWOULDBLOCK] = WASI["AGAIN"]

SUCCESS = 0
E2BIG, EACCES, EAGAIN, EBADF = WASI["2BIG"], WASI["ACCES"], WASI["AGAIN"], WASI["BADF"]
ECHILD, EEXIST, EFAULT, EFBIG = WASI["CHILD"], WASI["EXIST"], WASI["FAULT"], WASI["FBIG"]
EINTR, EINVAL, EIO, EISDIR = WASI["INTR"], WASI["INVAL"], WASI["IO"], WASI["ISDIR"]
ELOOP, EMFILE, ENOENT, ENOEXEC = WASI["LOOP"], WASI["MFILE"], WASI["NOENT"], WASI["NOEXEC"]
ENOMEM, ENOSPC, ENOSYS, ENOTDIR = WASI["NOMEM"], WASI["NOSPC"], WASI["NOSYS"], WASI["NOTDIR"]
ENOTEMPTY, ENOTSUP, ENOTTY, EPERM = WASI["NOTEMPTY"], WASI["NOTSUP"], WASI["NOTTY"], WASI["PERM"]
EPIPE, ERANGE, EROFS, ESPIPE = WASI["PIPE"], WASI["RANGE"], WASI["ROFS"], WASI["SPIPE"]
ESRCH, EXDEV, ENAMETOOLONG = WASI["SRCH"], WASI["XDEV"], WASI["NAMETOOLONG"]


def wasi_errno(host_errno: int | None) -> int:
    """The WASI errno for a host errno (EIO when there is no equivalent)."""
    return _FROM_HOST.get(host_errno or 0, WASI["IO"])
