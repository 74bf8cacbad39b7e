"""Propose a tool's data-flow tags, each with its evidence: what session rules reason about.

- ``private_data``: it reads what only this user may see (files, repositories, notes, mail, calendars,
  databases, accounts, secrets);
- ``untrusted_content``: it reads what others can write (web pages and URLs, issues, comments, pull
  requests, mail, messages, search results, feeds);
- ``external_comm``: it sends data out (posts, comments, mails, messages, pushes, uploads, HTTP requests,
  webhooks), or changes something the open world reads.

Deterministic and conservative in the fail-closed direction: a mutating tool whose object is a place
others read is ``external_comm``; a reading tool's object decides between private and untrusted (mail
and messages are both). The operator has the last word: ``tags:`` in a policy entry replaces these.
Pure: words in (the name's, the description's first words), tags out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from portcullis.catalog.tokens import letters, prose_words, tokenize
from portcullis.catalog.verdict import Signal

__all__ = ["FLOW_SIGNALS", "flow_of", "propose_flow"]

FLOW_SIGNALS: Final = ("private_data", "untrusted_content", "external_comm")

_SEND_VERBS: Final = frozenset(
    {"send", "post", "publish", "email", "mail", "notify", "message", "tweet", "reply", "comment", "push", "upload",
     "share", "broadcast", "forward", "invite", "dm", "webhook", "announce", "submit"}
)  # fmt: skip
_HTTP_WORDS: Final = frozenset({"http", "request", "webhook", "curl", "api"})
_PUBLIC_NOUNS: Final = frozenset(
    {"issue", "issues", "comment", "comments", "pr", "pull", "review", "discussion", "post", "posts", "message",
     "messages", "email", "mail", "tweet", "status", "channel", "gist", "release", "page", "wiki", "chat", "slack"}
)  # fmt: skip
_UNTRUSTED_NOUNS: Final = frozenset(
    {"web", "url", "page", "html", "website", "browser", "browse", "scrape", "crawl", "fetch", "search", "issue",
     "issues", "comment", "comments", "pr", "pull", "review", "discussion", "email", "emails", "mail", "inbox",
     "message", "messages", "tweet", "tweets", "feed", "rss", "news", "post", "posts", "chat", "slack", "ticket"}
)  # fmt: skip
_PRIVATE_NOUNS: Final = frozenset(
    {"file", "files", "repo", "repository", "repositories", "code", "contents", "content", "document", "documents",
     "doc", "docs", "note", "notes", "email", "emails", "mail", "inbox", "message", "messages", "calendar", "event",
     "events", "contact", "contacts", "drive", "folder", "directory", "database", "db", "table", "query", "sql",
     "record", "records", "secret", "secrets", "credential", "credentials", "account", "accounts", "balance",
     "profile", "user", "users", "customer", "customers", "private", "branch", "commit", "commits", "memory",
     "ticket", "tickets"}
)  # fmt: skip
_UNTRUSTED_RUNS: Final = frozenset(noun.encode() for noun in _UNTRUSTED_NOUNS)
_READ_CATEGORIES: Final = frozenset({"read"})
_DESCRIPTION_WORDS = 24


def _hits(words: list[str], vocabulary: frozenset[str]) -> list[str]:
    if vocabulary.isdisjoint(words):  # the common case, in one set operation
        return []
    return list(dict.fromkeys(w for w in words if w in vocabulary))


def propose_flow(tool: Mapping[str, Any], category: str, url_arguments: Iterable[str] = ()) -> tuple[Signal, ...]:
    """The data-flow tags of a tool definition, as signals whose evidence says what fired."""
    name = tool.get("name") if isinstance(tool.get("name"), str) else ""
    description = tool.get("description") if isinstance(tool.get("description"), str) else ""
    return flow_of(tokenize(str(name)), str(description), tool.get("annotations"), category, list(url_arguments))


def flow_of(words: list[str], description: str, annotations: Any, category: str, urls: list[str]) -> tuple[Signal, ...]:
    """``propose_flow`` from the name's words (``tokens.tokenize``), the description and the annotations."""
    out: list[Signal] = []
    if category in _READ_CATEGORIES:
        untrusted = _hits(words, _UNTRUSTED_NOUNS)
        # the description's first words are read only when the name says nothing, and when the description holds
        # one of the nouns as a run of letters (a word of prose_words that is one of them is such a run)
        if not untrusted and not _UNTRUSTED_RUNS.isdisjoint(letters(description).words):
            untrusted = _hits(prose_words(description, _DESCRIPTION_WORDS), _UNTRUSTED_NOUNS)
        if untrusted or urls:
            why = f"it reads {', '.join(untrusted)}" if untrusted else f"it fetches the URL in '{urls[0]}'"
            out.append(Signal("untrusted_content", f"{why}: content others can write"))
        private = _hits(words, _PRIVATE_NOUNS)
        if private:
            out.append(Signal("private_data", f"it reads {', '.join(private)}: what only this user may see"))
        return tuple(out)
    if not _SEND_VERBS.isdisjoint(words):
        out.append(Signal("external_comm", f"name word(s) {', '.join(_hits(words, _SEND_VERBS))}: it sends data out"))
    elif not _PUBLIC_NOUNS.isdisjoint(words):
        public = _hits(words, _PUBLIC_NOUNS)
        out.append(Signal("external_comm", f"it writes {', '.join(public)}: a place others read"))
    elif urls or not _HTTP_WORDS.isdisjoint(words):
        http = _hits(words, _HTTP_WORDS)
        out.append(Signal("external_comm", f"it makes requests ({', '.join(http) or urls[0]}): data leaves"))
    elif (annotations is not None and isinstance(annotations, (dict, Mapping))) and (
        annotations.get("openWorldHint") is True
    ):
        out.append(Signal("external_comm", "openWorldHint is true and it changes state: data may leave"))
    return tuple(out)
