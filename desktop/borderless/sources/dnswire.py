"""DNS messages in wire format, read only as far as a lookup needs: the header, the one question
and the answer section, with dnspython's wire parser (names with compression, record data).

Captures (``pcap``) and AdGuard Home's query log (``adguard``, whose ``Answer`` is a response in
wire format) both read their messages here. ``dns.message.from_wire`` would also build the
authority and additional sections and merge records into rrsets; reading only what is needed is
about twice as fast, and parsing was the slowest step of both readers.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.wire

from borderless.model import LookupOutcome

# The longest CNAME chain followed; real chains are three or four names long.
MAX_CHAIN = 16


@dataclass(frozen=True, slots=True)
class Message:
    """The parts of a DNS message a lookup needs: header, the one question, the answers."""

    id: int
    flags: int
    question: dns.name.Name
    question_type: int
    # (owner name, record type, data): data is the address text for A/AAAA of class IN, the
    # target for CNAME, None for any other record (its presence still means "has data").
    answers: tuple[tuple[dns.name.Name, int, str | dns.name.Name | None], ...]

    @property
    def is_response(self) -> bool:
        return bool(self.flags & FLAG_QR)

    @property
    def rcode(self) -> int:
        return self.flags & 0x000F


FLAG_QR = 0x8000
FLAG_TC = 0x0200
RCODE_NOERROR = 0
RCODE_NXDOMAIN = 3
TYPE_A = dns.rdatatype.A
TYPE_AAAA = dns.rdatatype.AAAA
TYPE_CNAME = dns.rdatatype.CNAME
CLASS_IN = dns.rdataclass.IN


def parse_message(wire: bytes) -> Message | None:
    """The question and answers of a standard query or response, or None if it is not one."""
    try:
        parser = dns.wire.Parser(wire)
        message_id, flags, questions, answer_count, _, _ = parser.get_struct("!HHHHHH")
        if questions != 1 or (flags >> 11) & 0xF != 0:
            return None  # not a standard query (opcode 0) about one name
        question = dns.name.from_wire_parser(parser)
        question_type, _ = parser.get_struct("!HH")
        answers: list[tuple[dns.name.Name, int, str | dns.name.Name | None]] = []
        for _ in range(answer_count):
            owner = dns.name.from_wire_parser(parser)
            record_type, record_class, _, length = parser.get_struct("!HHIH")
            data: str | dns.name.Name | None = None
            with parser.restrict_to(length):
                if record_class == CLASS_IN and record_type in (TYPE_A, TYPE_AAAA, TYPE_CNAME):
                    rdata = dns.rdata.from_wire_parser(record_class, record_type, parser)
                    data = getattr(rdata, "target" if record_type == TYPE_CNAME else "address")
                else:
                    parser.seek(parser.current + length)
            answers.append((owner, record_type, data))
    except Exception:  # dnspython raises many kinds of error on hostile input, not only its own
        return None
    return Message(message_id, flags, question, question_type, tuple(answers))


def answer_of(message: Message) -> tuple[LookupOutcome, tuple[str, ...], tuple[str, ...]]:
    """How a response ended, its addresses and the CNAME chain from the name asked.

    The chain is followed from the question's name; the addresses are the A and AAAA records of
    the chain's last name. A response with records at that name (of any type: HTTPS, TXT) is
    ANSWERED even without addresses.
    """
    if message.rcode == RCODE_NXDOMAIN:
        return LookupOutcome.NXDOMAIN, (), ()
    if message.rcode != RCODE_NOERROR:
        return LookupOutcome.FAILED, (), ()
    chain: list[str] = []
    current = message.question
    seen = {current}
    if message.question_type != TYPE_CNAME:
        for _ in range(MAX_CHAIN):
            target = next(
                (
                    data
                    for owner, record_type, data in message.answers
                    if record_type == TYPE_CNAME and owner == current
                ),
                None,
            )
            if not isinstance(target, dns.name.Name) or target in seen:
                break  # the end of the chain, or a loop
            seen.add(target)
            chain.append(target.to_text(omit_final_dot=True).lower())
            current = target
    has_data = False
    addresses: list[str] = []
    for owner, record_type, data in message.answers:
        if owner != current:
            continue
        has_data = True
        # Only records of class IN are addresses; other classes were left unparsed.
        if record_type in (TYPE_A, TYPE_AAAA) and isinstance(data, str) and data not in addresses:
            addresses.append(data)
    if has_data or chain:
        return LookupOutcome.ANSWERED, tuple(addresses), tuple(chain)
    return LookupOutcome.NO_DATA, (), ()
