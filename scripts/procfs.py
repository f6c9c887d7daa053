"""One reader of /proc for the scripts: a process's memory figures, open files, and
finding a process by its executable. Linux only (so are Lambda and CI)."""
import os


def status_kib(pid, *keys):
    """`{key: KiB}` for the given /proc/PID/status keys (VmRSS, VmHWM, ...)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name = line.split(":", 1)[0]
            if name in keys:
                out[name] = int(line.split()[1])
    return out


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def find_pid(executable_suffix):
    """The first process whose argv[0] ends with `executable_suffix` (bytes), or None."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(executable_suffix):
            return int(pid)
    return None
