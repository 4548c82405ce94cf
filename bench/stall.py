"""Can a handful of clients stall the service? Two attacks, then one ordinary search.

    python bench/stall.py http://127.0.0.1:8000 [--idle 3] [--slow 50] [--patience 130]

`idle`: connections that send nothing. `slow` (slowloris): connections that send a request's
headers a byte a second and never finish them. While each attack holds its connections,
one reader searches; the script prints how long the search took, or that it had no answer
within `--patience` seconds. The attackers stop by themselves after the search (bounded in
count and time; loopback only: the address must be on this machine).
"""

import argparse
import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

SEARCH = "/api/search?q=hoi+nghi"
# The headers a slow client drips, a byte at a time; never the blank line that ends them.
DRIP = b"GET /?q=hoi HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\nX-Padding: " + b"a" * 4000


class Attack:
    """`count` connections to `address`, idle or dripping a byte a second, until stopped."""

    def __init__(self, address: tuple[str, int], count: int, drip: bool):
        self.address, self.count, self.drip = address, count, drip
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Attack":
        for _ in range(self.count):
            self.sockets.append(socket.create_connection(self.address, timeout=5))
        self._thread.start()
        time.sleep(1.5)  # every connection accepted, every slow one has sent its first bytes
        return self

    def _run(self) -> None:
        sent = 0
        while not self._stop.is_set() and self.drip and sent < len(DRIP):
            for each in self.sockets:
                # Closed by the server: that is the defence working.
                with contextlib.suppress(OSError):
                    each.send(DRIP[sent : sent + 1])
            sent += 1
            self._stop.wait(1.0)

    def still_open(self) -> int:
        """How many of the attack's connections the server has not closed."""
        open_ = 0
        for each in self.sockets:
            each.setblocking(False)
            try:
                open_ += each.recv(1, socket.MSG_PEEK) != b""
            except BlockingIOError:
                open_ += 1
            except OSError:
                pass
        return open_

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for each in self.sockets:
            each.close()


def timed_search(url: str, patience: float) -> float | None:
    """Seconds an ordinary search took to answer, None if none came within `patience`."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url + SEARCH, timeout=patience) as response:
            response.read()
    except urllib.error.HTTPError:
        pass  # an answer all the same
    except OSError:
        return None
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the service, e.g. http://127.0.0.1:8000")
    parser.add_argument("--idle", type=int, default=3, help="idle connections (default 3)")
    parser.add_argument("--slow", type=int, default=50, help="slow clients (default 50)")
    parser.add_argument("--patience", type=float, default=130.0, help="seconds to wait")
    args = parser.parse_args()
    parts = urlsplit(args.url)
    host = parts.hostname or ""
    if not host.startswith("127.") and host not in ("localhost", "::1"):
        parser.error("attack only a service on this machine (a loopback address)")
    address = (host, parts.port or 80)
    print(f"no attack: search answered in {timed_search(args.url, args.patience):.3f} s")
    for name, count, drip in [("idle", args.idle, False), ("slow", args.slow, True)]:
        with Attack(address, count, drip) as attack:
            took = timed_search(args.url, args.patience)
            held = attack.still_open()
        said = f"{took:.3f} s" if took is not None else f"no answer within {args.patience:g} s"
        print(f"{count} {name} connections ({held} still open): search answered in {said}")


if __name__ == "__main__":
    main()
