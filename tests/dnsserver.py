"""Real DNS servers on 127.0.0.1 for tests and benchmarks: Debian's dnsmasq, and two tiny
misbehaving peers (one that answers SERVFAIL to everything, one that never answers)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def free_port() -> int:
    """A UDP port free on 127.0.0.1 right now (and, very likely, a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Zone:
    """What dnsmasq should answer.

    hosts: name -> addresses (IPv4 and IPv6 mixed), answered with `ttl`.
    cnames: alias -> target, in dnsmasq's rule that a target must be one of `hosts`
        (or another alias).
    local: domains answered from `hosts` only: other names in them are NXDOMAIN, and a type a
        name lacks is NODATA (as an authoritative server says).
    nxdomain: domains every name under which does not exist.
    forward: domain -> "127.0.0.1#port" of an upstream to ask for names in it.
    Everything else is REFUSED (dnsmasq has no upstream).
    """

    hosts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    cnames: Mapping[str, str] = field(default_factory=dict)
    local: Sequence[str] = ()
    nxdomain: Sequence[str] = ()
    forward: Mapping[str, str] = field(default_factory=dict)
    ttl: int = 300

    def arguments(self) -> list[str]:
        arguments = []
        for name, addresses in self.hosts.items():
            arguments.append(f"--host-record={name},{','.join(addresses)},{self.ttl}")
        for alias, target in self.cnames.items():
            arguments.append(f"--cname={alias},{target},{self.ttl}")
        arguments += [f"--local=/{domain}/" for domain in self.local]
        arguments += [f"--address=/{domain}/" for domain in self.nxdomain]
        arguments += [f"--server=/{domain}/{peer}" for domain, peer in self.forward.items()]
        return arguments


class Dnsmasq:
    """dnsmasq serving a `Zone` on 127.0.0.1:port, logging every query to a file."""

    def __init__(self, zone: Zone, extra: Iterable[str] = ()):
        self.zone = zone
        self.folder = Path(tempfile.mkdtemp(prefix="borderless-dnsmasq-"))
        self.log = self.folder / "queries.log"
        self.port = free_port()
        if not Path(DNSMASQ).exists():
            raise RuntimeError("these tests need dnsmasq: apt-get install dnsmasq-base")
        command = [
            DNSMASQ,
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            f"--port={self.port}",
            "--pid-file=",
            # As root dnsmasq would switch to "nobody", who may not write the log.
            *(["--user=root"] if _is_root() else []),
            "--log-queries",
            f"--log-facility={self.log}",
            "--cache-size=0",  # every query reaches the log as a query, never as "cached"
            *zone.arguments(),
            *extra,
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self._wait_until_answering()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _wait_until_answering(self) -> None:
        query = dns.message.make_query("ready.invalid", "A")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dnsmasq exited: {self.process.stderr.read()}")  # type: ignore[union-attr]
            try:
                dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.2)
                return
            except (dns.exception.Timeout, OSError):
                time.sleep(0.02)
        raise RuntimeError("dnsmasq did not start answering")

    def queries(self) -> list[str]:
        """The `query[TYPE] name` lines logged so far, minus the start-up probe."""
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [
            line.split(": ", 1)[1].split(" from ")[0]
            for line in lines
            if ": query[" in line and "ready.invalid" not in line
        ]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Dnsmasq:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


class MisbehavingPeer:
    """A UDP DNS peer on 127.0.0.1 that answers SERVFAIL to every query, or never answers."""

    def __init__(self, answer: bool):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.received = 0
        self._answer = answer
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def dnsmasq_address(self) -> str:
        return f"127.0.0.1#{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                wire, peer = self.socket.recvfrom(4096)
            except OSError:
                return  # closed
            self.received += 1
            if not self._answer:
                continue
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL)
            self.socket.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> MisbehavingPeer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ScriptedPeer:
    """A UDP DNS peer on 127.0.0.1 answering from a script, for what dnsmasq will not do: a
    CNAME without its target (a resolver that does not follow chains), or a CNAME loop.

    script: (name, type) -> records in zone-file text, e.g. ``"alias.example. 60 IN CNAME x."``.
    A question not in the script gets NXDOMAIN.
    """

    def __init__(self, script: Mapping[tuple[str, str], Sequence[str]]):
        self.script = {
            (name.rstrip(".").lower(), kind): lines for (name, kind), lines in script.items()
        }
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.questions: list[tuple[str, str]] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        import dns.rdatatype
        import dns.rrset

        while True:
            try:
                wire, peer = self.socket.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(wire)
            question = query.question[0]
            key = (
                question.name.to_text(omit_final_dot=True).lower(),
                dns.rdatatype.to_text(question.rdtype),
            )
            self.questions.append(key)
            response = dns.message.make_response(query)
            lines = self.script.get(key)
            if lines is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            for line in lines or ():
                name, ttl, _class, kind, data = line.split(None, 4)
                response.answer.append(dns.rrset.from_text(name, int(ttl), "IN", kind, data))
            self.socket.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> ScriptedPeer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
