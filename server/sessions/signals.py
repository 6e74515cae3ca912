"""Signal numbers (Linux's), default actions, and one process's signal state.

A process's dispositions say only default, ignore, caught, or caught with SA_RESTART (a read,
write or wait interrupted only by such handlers restarts instead of failing with EINTR): handlers
themselves live in the program (libcowasm) and run when the kernel calls its `__cowasm_signal`
export at a syscall boundary. Signals whose action is to do nothing are discarded when sent, so
`pending` only ever holds signals that must be acted on.
"""

from __future__ import annotations

SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = 1, 2, 3, 4, 5, 6, 7, 8
SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 9, 10, 11, 12, 13, 14, 15
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG = 17, 18, 19, 20, 21, 22, 23
SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS = (
    24,
    25,
    26,
    27,
    28,
    29,
    30,
    31,
)
NSIG = 32

DEFAULT, IGNORE, CAUGHT, CAUGHT_RESTART = 0, 1, 2, 3
IGNORED_BY_DEFAULT = frozenset({SIGCHLD, SIGCONT, SIGURG, SIGWINCH})
STOPPING = frozenset({SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU})
UNCATCHABLE = frozenset({SIGKILL, SIGSTOP})
_UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))


def bit(sig: int) -> int:
    return 1 << (sig - 1)


class SignalState:
    __slots__ = ("disp", "mask", "pending")

    def __init__(self) -> None:
        self.disp = [DEFAULT] * (NSIG + 1)
        self.mask = 0
        self.pending = 0

    @property
    def deliverable(self) -> int:
        return self.pending & ~(self.mask & ~_UNBLOCKABLE)

    def wants(self, sig: int) -> bool:
        """Whether sending `sig` has any effect (otherwise it is discarded)."""
        d = self.disp[sig]
        if sig in UNCATCHABLE:
            return True
        return d >= CAUGHT or (d == DEFAULT and sig not in IGNORED_BY_DEFAULT)

    def take(self) -> int:
        """Remove and return the lowest deliverable signal (0 if none)."""
        bits = self.deliverable
        if not bits:
            return 0
        low = bits & -bits
        self.pending &= ~low
        return low.bit_length()

    def take_stop(self) -> int:
        """Remove and return a deliverable stop signal left at its default action (else 0)."""
        for sig in STOPPING:
            if self.deliverable & bit(sig) and self.disp[sig] == DEFAULT:
                self.pending &= ~bit(sig)
                return sig
        return 0

    def fork(self) -> SignalState:
        child = SignalState()
        child.disp = list(self.disp)
        child.mask = self.mask
        return child

    def exec(self) -> None:
        """Caught signals return to default across exec; ignored ones stay ignored."""
        self.disp = [IGNORE if d == IGNORE else DEFAULT for d in self.disp]
