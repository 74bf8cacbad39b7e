"""Every later round of real servers (tests/fixtures/real-servers-round4 on) against its floors, annotations removed.

One table, one entry a round: its number, the main commit it was first scored at (before any rule was written from
it), and the floors of each part it is held to (the whole round, then its development and confirmation halves, the
servers sorted by id, odd positions developing). From round 11 on the rounds are blind, a measure only, and the
floors are what each scored at first sight (or better, where a later general rule raised them); rounds 4 to 10 were
written from, and hold what they scored after their rules. Each round's README (tests/fixtures/real-servers-roundN)
records the figures at first sight and every tool missed. ``pytest -s`` prints the figures per server and every
tool the classifier gets wrong, per part. Rounds 1 to 3 are in ``test_real_servers.py``; what every round is held
to alike (labels covering the lists, ``portcullis recommend``) is in ``test_real_server_rounds.py``.

A new round adds one entry here (and its counts to ``test_real_server_rounds.py``), no test file of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import pytest

from tests.catalog import real_servers

ALL: Final = "all"
"""A floor of every tool of the part: all agree, all destructive or all execute tools caught."""

Floor = int | Literal["all"] | None
Part = Literal["whole", "development", "confirmation"]


@dataclass(frozen=True, slots=True)
class F:
    """The floors of one part; ``None`` holds nothing on that figure.

    ``agree``, ``destructive_caught`` and ``execute_caught`` at least (or ``ALL``); ``mutating_read`` at most;
    ``execute`` exactly (the count of execute tools, where the round holds that instead of the ones caught);
    ``targets``: issue 11's four targets as well (``real_servers.assert_targets``).
    """

    agree: Floor = None
    mutating_read: int | None = None
    destructive_caught: Floor = None
    execute_caught: Floor = None
    execute: int | None = None
    targets: bool = False


@dataclass(frozen=True, slots=True)
class Round:
    """One round: its number, the commit it was first scored at, its parts' floors, and what the whole round's
    count is checked against (``labels``: every labelled tool not ambiguous; ``definitions``: every definition in
    its lists, for a list that repeats a name)."""

    number: int
    first_scored: str
    whole: F
    development: F | None = None
    confirmation: F | None = None
    count: Literal["labels", "definitions"] = "labels"


# Round(number, first scored at, whole, development, confirmation); F(agree, mutating_read, destructive_caught,
# execute_caught, execute=, targets=).
ROUNDS: tuple[Round, ...] = (
    # 4: a first held-out set: cloud, databases, developer tools and SaaS
    Round(4, "cf94d05", F(targets=True)),
    # 5: money, execute and destructive tools
    Round(5, "d4da611", F(targets=True), F(294, 0, ALL)),
    # 6: destructive tools and unusual wording
    Round(6, "4c2cdc5", F(433, None, ALL, targets=True), F(targets=True), F(None, 0, 38, ALL)),
    # 7: messaging, marketing mail, CMS, commerce, remote shells
    Round(7, "6e2082e", F(551, None, 81, targets=True), F(None, 1, 40, ALL), F(304, 0, 39, ALL)),
    # 8: infrastructure, operations, security
    Round(8, "8c0944e", F(495, 1, 76, targets=True), F(ALL, 0, ALL, ALL), F(239, 1, 25, ALL)),
    # 9: productivity, work management, CRM, support, messaging, wallets
    Round(9, "dce1eeb", F(733, 0, ALL, targets=True), F(441, 0, ALL, targets=True), F(287, 2, 38, ALL)),
    # 10: developer platforms, data pipelines, BI, automation, scraping
    Round(10, "79f2580", F(423, 3, ALL, 18), F(233, 0, ALL, 11), F(187, 4, 17, 6)),
    # 11: password manager, mail over IMAP, cameras, DNS, local services
    Round(11, "b988fb4", F(341, 0, ALL, ALL, targets=True), F(204, 2, ALL, ALL), F(133, 1, ALL, ALL)),
    # 12: endpoint security, threat intel, billing, ML platforms, social, analytics
    Round(12, "bac54df", F(390, 0, ALL, ALL, targets=True), F(309, 0, ALL, 7), F(76, 2, 4, ALL)),
    # 13: observability, product analytics, data warehouses, vector databases
    Round(13, "1ff8b04", F(358, 0, ALL, ALL), F(150, 0, ALL, ALL), F(207, 0, ALL, ALL)),
    # 14: identity, infrastructure as code, e-signature, file storage, design, project management, HR
    Round(14, "1ff8b04", F(488, 0, ALL, ALL, targets=True), F(331, 0, ALL, ALL), F(ALL, 0, ALL, ALL)),
    # 15: education, media servers, healthcare records, CMS, shipping, travel, package registries
    Round(15, "578300a", F(269, 1, ALL, ALL, targets=True), F(67, 0, ALL, ALL), F(202, 1, ALL, ALL)),
    # 16: message queues, database admin, mobile devices and app stores, mobile CI, firewalls, SIEM/SOAR
    Round(16, "09ecea7", F(314, 0, ALL, ALL), F(157, 0, ALL, ALL), F(157, 0, ALL, ALL)),
    # 17: a local agent's everyday servers: memory, notes, docs and tables, automation, support desks
    Round(17, "f0691da", F(368, 3, ALL, ALL), F(257, 3, ALL, ALL), F(111, 0, ALL, ALL)),
    # 18: AI media generation and developer tooling
    Round(18, "67ca251", F(296, 1, ALL, ALL, targets=True), F(72, 1, ALL, ALL), F(224, 0, ALL, ALL)),
    # 19: money: exchanges and brokerages, a prediction market, crypto invoicing, card payments, spend
    Round(19, "25ab155", F(368, 0, 30, ALL, targets=True), F(104, 0, 3, ALL), F(264, 0, ALL, ALL)),
    # 20: a car, lights and MQTT, a Linux desktop, a Minecraft panel, legal practice, PubMed, Airbnb
    Round(20, "e7e87f8", F(235, 0, ALL, ALL), F(172, 0, ALL, ALL), F(63, 0, ALL, ALL)),
    # 21: laptop agents' servers: web search, e-mail, a CalDAV calendar, tasks, notes, a code sandbox
    Round(21, "9ba43c6", F(60, 0, ALL, ALL), F(30, 0, ALL, ALL), F(30, 0, ALL, ALL)),
    # 22: industrial, hardware and creative tools
    Round(22, "ac2dcdb", F(230, 2, 17, 15), F(117, 0, 9, 9), F(113, 2, 8, 6)),
    # 23: business back office: accounting, ERP, inventory, invoicing, point of sale, telephony
    Round(23, "ac2dcdb", F(265, 0, 19, ALL), F(206, 0, 13, ALL), F(59, 0, 6, ALL)),
    # 24: software delivery and operations: CI/CD, a PaaS, secrets, on-call and alerting
    Round(24, "bddb221", F(298, 1, 40, 11), F(159, 0, 23, ALL), F(139, 1, 17, 11)),
    # 25: data stores and knowledge tools
    Round(25, "bddb221", F(184, 1, 31, ALL), F(104, 0, 22, ALL), F(80, 1, 9, ALL)),
    # 26: chat, community and newsletter tools
    Round(26, "d20fba4", F(294, 2, 14, execute=0), F(226, 2, 11), F(68, 0, 3)),
    # 27: hosting, infrastructure and backups
    Round(27, "d20fba4", F(300, 0, 47, 17), F(226, 0, 36, ALL), F(74, 0, ALL, 6)),
    # 28: everyday SaaS back ends: forms, scheduling, e-signature, CRM, analytics, link shorteners
    Round(28, "77ef023", F(155, 4, 13, execute=1), F(102, 2, 7, execute=1), F(53, 2, 6, ALL)),
    # 29: local developer and system tools
    Round(29, "77ef023", F(111, 1, 23, 9), F(37, 0, ALL, ALL), F(74, 1, 19, 7)),
    # 30: personal and consumer services
    Round(30, "ba3cd0e", F(129, 7, 13, ALL), F(26, 0, ALL, ALL), F(103, 7, 9, ALL)),
    # 31: security and network tooling
    Round(31, "ba3cd0e", F(80, 1, 4, 4), F(31, 1, 2, ALL), F(49, 0, ALL, ALL)),
    # 32: e-commerce admin (Shopify, headless commerce, Adobe Commerce, Magento)
    Round(32, "4111b5e", F(301, 2, ALL, 3), F(66, 0, ALL, 3), F(235, 2, ALL, ALL)),
    # 33: social networks, newsletters and transactional email
    Round(33, "85eb24d", F(186, 0, ALL, ALL), F(147, 0, ALL, ALL), F(39, 0, ALL, ALL)),
    # 34: self-hosted home and media infrastructure
    Round(34, "bdebfbc", F(249, 9, 36, 3), F(106, 8, ALL, 3), F(143, 1, 27, 0), count="definitions"),
    # 35: product analytics, DNS and registrars, IP address management
    Round(35, "4111b5e", F(134, 0, 21, ALL), F(65, 0, 15, ALL), F(69, 0, ALL, ALL)),
    # 36: HR, recruiting and education
    Round(36, "d3d6245", F(199, 0, ALL, ALL), F(135, 0, ALL, ALL), F(64, 0, ALL, ALL)),
    # 37: document management, e-signature, legal practice and travel booking
    Round(37, "d3d6245", F(291, 1, ALL, ALL), F(199, 0, ALL, ALL), F(92, 1, ALL, ALL)),
    # 38: machine-learning platforms and data pipelines
    Round(38, "fd0c0d0", F(229, 0, 16, ALL), F(146, 0, 11, ALL), F(83, 0, ALL, ALL)),
    # 39: on-chain wallets and DeFi
    Round(39, "d3d6245", F(201, 2, 2, 2), F(127, 1, 2, 2), F(74, 1, ALL, ALL)),
    # 40: design, creative and game tools
    Round(40, "e3aace5", F(235, 8, 22, ALL), F(103, 2, ALL, ALL), F(132, 6, 5, ALL)),
    # 41: databases
    Round(41, "e3aace5", F(115, 1, 9, 2), F(30, 1, 4, 0), F(85, 0, ALL, ALL)),
    # 42: video meetings, telephony and voice agents
    Round(42, "e3aace5", F(180, 1, 16, ALL), F(72, 0, ALL, ALL), F(108, 1, 9, ALL)),
    # 43: sales CRMs and outreach
    Round(43, "f9da993", F(181, 0, ALL, ALL), F(106, 0, ALL, ALL), F(75, 0, ALL, ALL)),
    # 44: cloud and hosting
    Round(44, "f9da993", F(223, 0, 23, 7), F(134, 0, 9, ALL), F(89, 0, 14, 6)),
    # 45: project and work management
    Round(45, "f9da993", F(247, 1, ALL, ALL), F(ALL, 0, ALL, ALL), F(177, 1, ALL, ALL)),
    # 46: security operations, secrets and identity
    Round(46, "f9da993", F(250, 3, 9, 6), F(130, 1, ALL, ALL), F(120, 2, 7, 4)),
    # 47: web scraping, crawling, browser agents and search APIs
    Round(47, "ab55bde", F(121, 1, ALL, 1), F(ALL, 0, ALL, ALL), F(11, 1, ALL, 0)),
    # 48: public data, science and health data services
    Round(48, "ab55bde", F(165, 1, ALL, 0), F(64, 1, ALL, 0), F(101, 0, ALL, ALL)),
    # 49: release, deploy and artifact tooling (DeployKar, Docker Hub, GitHub releases, SSH deploys, PyPI, Nexus)
    Round(49, "ab55bde", F(50, 0, ALL, ALL), F(34, 0, ALL, ALL), F(16, 0, ALL, ALL)),
    # 50: notes, knowledge bases and personal productivity (Outline, Wiki.js, SiYuan, Karakeep, Memos, Reminders)
    Round(50, "33939c5", F(120, 2, ALL, ALL), F(60, 2, ALL, ALL), F(60, 0, ALL, ALL)),
    # 51: IoT and connected devices (ADB, Android TV, Govee, Tuya, Shelly, Anycubic printers, ArduPilot)
    Round(51, "33939c5", F(123, 1, ALL, ALL), F(90, 1, ALL, ALL), F(33, 0, ALL, ALL)),
    # 52: surveys, forms and customer feedback (KoboToolbox, survey statistics, SurveyMars, Visceral, Compethic)
    Round(52, "33939c5", F(60, 1, ALL, ALL), F(22, 0, ALL, ALL), F(38, 1, ALL, ALL)),
)


def _check(entry: Round, part: Part, total: real_servers.Score, floors: F) -> None:
    """Every floor of ``floors`` on the part's ``total``."""
    where = f"round {entry.number} {part}"
    if floors.targets:
        real_servers.assert_targets(total, where)
    if floors.agree == ALL:
        assert total.agree == total.total, f"{where}: read-vs-mutating {total.agree}/{total.total}"
    elif floors.agree is not None:
        assert total.agree >= floors.agree, f"{where}: read-vs-mutating {total.agree} < {floors.agree}"
    if floors.mutating_read is not None:
        assert total.mutating_read <= floors.mutating_read, f"{where}: {total.mutating_read} mutating tools read"
    if floors.destructive_caught == ALL:
        assert total.destructive_caught == total.destructive, (
            f"{where}: destructive caught {total.destructive_caught}/{total.destructive}"
        )
    elif floors.destructive_caught is not None:
        assert total.destructive_caught >= floors.destructive_caught, (
            f"{where}: destructive caught {total.destructive_caught} < {floors.destructive_caught}"
        )
    if floors.execute_caught == ALL:
        assert total.execute_caught == total.execute, f"{where}: execute caught {total.execute_caught}/{total.execute}"
    elif floors.execute_caught is not None:
        assert total.execute_caught >= floors.execute_caught, (
            f"{where}: execute caught {total.execute_caught} < {floors.execute_caught}"
        )
    if floors.execute is not None:
        assert total.execute == floors.execute, f"{where}: {total.execute} execute tools, not {floors.execute}"


@pytest.mark.parametrize("entry", ROUNDS, ids=[f"round{r.number}-whole" for r in ROUNDS])
def test_whole_round_holds_its_floors(entry: Round) -> None:
    """The whole round, every tool of its lists scored (none ambiguous), against its floors."""
    folder = real_servers.round_folder(entry.number)
    servers = real_servers.servers_of(folder)
    text, total = real_servers.report(f"round {entry.number} ({len(servers)} servers)", servers, folder=folder)
    print("\n" + text)
    labels = real_servers.load_labels(folder)
    if entry.count == "definitions":
        keys = [(server, t["name"]) for server in servers for t in real_servers.load_tools(server, folder)]
    else:
        keys = list(labels)
    assert total.total == sum(1 for key in keys if not labels[key]["ambiguous"])
    _check(entry, "whole", total, entry.whole)


HALVES: list[tuple[Round, Part]] = [
    (r, part)
    for r in ROUNDS
    for part in ("development", "confirmation")
    if (r.development if part == "development" else r.confirmation) is not None
]


@pytest.mark.parametrize(("entry", "part"), HALVES, ids=[f"round{r.number}-{part}" for r, part in HALVES])
def test_half_holds_its_floors(entry: Round, part: Part) -> None:
    """One half of a round (sorted by id: odd positions develop, even ones confirm) against its floors."""
    floors = entry.development if part == "development" else entry.confirmation
    assert floors is not None
    folder = real_servers.round_folder(entry.number)
    servers = real_servers.servers_of(folder)
    half = servers[0::2] if part == "development" else servers[1::2]
    text, total = real_servers.report(f"round {entry.number} {part}", half, folder=folder)
    print("\n" + text)
    _check(entry, part, total, floors)
