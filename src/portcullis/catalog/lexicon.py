"""The words the risk classifier knows: verbs by category, nouns that mean money, argument names that matter.

Everything here is general English / API vocabulary, never the name of a particular tool. Verbs are
stored in their base form; ``tokens.verb_forms`` maps "creates", "fetching", "echoes" back to them.
Categories rank from least to most dangerous: read < other < write < execute < destructive = financial.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "AMBIGUOUS_VERBS",
    "AMOUNT_ARGS",
    "CATEGORY_RANK",
    "CODE_ARGS",
    "COMPOUND_NOUNS",
    "CONTEXT_NOUNS",
    "DESCRIPTION_FILLER",
    "FINANCIAL_ACTION_NOUNS",
    "FINANCIAL_DATA_NOUNS",
    "MONEY_NOUNS",
    "NAME_ONLY_VERBS",
    "OPERATION_ARGS",
    "READ_NOUNS",
    "READ_ONLY_QUERY_LANGUAGES",
    "SIDE_EFFECT_VERBS",
    "SUFFIX_VERBS",
    "VERBS",
    "WEAK_IN_NAMES",
    "WEAK_VERBS",
    "Category",
    "first_in",
    "words",
]

Category = Literal["read", "write", "execute", "destructive", "financial", "other"]


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``, as a set (the lexicon is written as prose lists)."""
    return frozenset(text.split())


def first_in(found: list[str] | tuple[str, ...], vocabulary: frozenset[str]) -> str | None:
    """The first of ``found`` that is in ``vocabulary``, or None (one set test when there is none, the most
    common case)."""
    if vocabulary.isdisjoint(found):
        return None
    return next(w for w in found if w in vocabulary)


CATEGORY_RANK: Final[dict[str, int]] = {
    "read": 0,
    "other": 1,
    "write": 2,
    "execute": 3,
    "destructive": 4,
    "financial": 4,
}

_READ = """
get list search find fetch read query lookup look describe show check view count ping retrieve browse discover
explore inspect scan monitor watch track detect analyze analyse summarize summarise compare predict estimate
calculate compute convert decode encode parse format hash derive verify validate simulate preview quote echo
think explain diff resolve is has can export download open poll wait render measure audit review recommend
suggest forecast translate capture screenshot snapshot print dump extract lint infer identify classify rank
score sort filter concat slice pad tokenize stringify serialize deserialize normalize sum average aggregate
lookup return see peek inspect trace locate probe recognize transcribe disassemble crawl research tail grep
introspect map recall provide display ask evaluate diagnose troubleshoot learn rerank plan collect scrape tell
embed chunk paraphrase proofread scroll geocode investigate pivot obtain enumerate examine assess determine interpret
simplify intersect
"""

# (Processing something again on the server keeps what it works out: "reparse", "rescan" … write, where "parse",
# "scan" … read.)
_WRITE = """
create add update set edit modify put post write insert rename move save upload enable disable change
assign unassign approve merge push pull commit register generate make renew subscribe unsubscribe follow
unfollow star unstar toggle mark label tag comment reply send publish unpublish share invite import copy
duplicate clone fork link unlink attach detach archive unarchive restore recover lock unlock pin unpin
schedule reschedule configure init initialize upgrade downgrade migrate sync refresh reload apply accept
reject decline finalize complete confirm request store record checkout switch stage unstage compress
decompress zip unzip gzip fill type click hover press select drag resize claim vote propose delegate tap swipe
undelegate rekey note annotate mention react new place patch rebase transition reopen reassign grant exercise
allow setup connect join leave enroll provision increase decrease adjust rotate bump append prepend handle
tweet message email notify alert remind book reserve keepalive extend login logout authenticate authorize
close queue enqueue cast customize acknowledge ack cordon uncordon forward scale pause unpause split expire
persist reindex respond hide unhide mute unmute snooze mount unmount use reorder prioritize reprioritize
alter release
activate associate dissociate bind unbind block unblock categorize compose draft promote demote escalate flag freeze
unfreeze ingest load unload mirror replicate resync reconcile requeue redrive dequeue consume produce emit fire onboard
silence taint untaint unban kick undelete untrash uninvite unreserve skip play shuffle wake hibernate seal unseal
rollout rebalance countersign notarize regenerate initiate
favorite bookmark upvote downvote stop halt manage cache advance disconnect favourite unfavourite unfavorite reblog
flash ensure
reparse rescan recompute recalculate reanalyze reanalyse reprocess cancel exit receive unreblog end finish conclude
"""

_EXECUTE = """
execute exec run eval invoke call trigger deploy launch start restart sign broadcast submit
dispatch navigate install build compile spawn reboot debug profile benchmark automate test speed
accelerate resubmit retry replay rebuild redeploy rerun power resume failover train perform finetune impersonate
materialize backfill
"""

_DESTRUCTIVE = """
delete remove drop destroy purge wipe truncate erase revoke terminate kill reset clear prune overwrite
burn uninstall discard evict flush shutdown deregister unregister invalidate abort rollback revert ban suspend
deactivate empty cleanup teardown deprovision expunge nuke obliterate drain del rm rmdir unset trash shred
scrub void decommission forget clean upsert replace undo dismiss rewrite reimage recreate retire yank undeploy offboard
pop
"""

_FINANCIAL = """
transfer withdraw pay refund charge payout deposit swap trade buy sell borrow repay stake unstake mint redeem
bridge purchase lend invest liquidate tip donate fund topup spend settle wrap unwrap
"""


def _verbs() -> dict[str, Category]:
    table: dict[str, Category] = {}
    # later tables win for words listed twice, so the order is from weakest to strongest
    for words, category in (
        (_READ, "read"),
        (_WRITE, "write"),
        (_EXECUTE, "execute"),
        (_DESTRUCTIVE, "destructive"),
        (_FINANCIAL, "financial"),
    ):
        for word in words.split():
            table[word] = category  # type: ignore[assignment]
    return table


VERBS: Final[dict[str, Category]] = _verbs()

# Verbs that are also product or feature names ("copy trading", "auto invest", "Binance Pay",
# "simple earn"): a stronger verb later in the name wins over them.
WEAK_VERBS: Final[frozenset[str]] = words(
    "copy convert pay invest stake swap trade lend open note order fund tag label mark "
    "book record store test note type star follow alert message email tweet track monitor sum reserve "
    "average filter sort rank score return handle request extend bridge place new is has can queue run build "
    "trigger schedule power forward split resume use map release"
)
# In a name, also a word that is more often a noun there (``cache_stats``, ``clear_cache``): a description whose
# verb is surely a verb says what the tool does. In a description it stays a verb ("Download, cache, and return").
WEAK_IN_NAMES: Final[frozenset[str]] = WEAK_VERBS | words("cache benchmark")

# A verb at the end of a noun-first name (``pull_request_read``, ``label_write``, ``issue_manage``).
SUFFIX_VERBS: Final[dict[str, Category]] = {
    "read": "read",
    "get": "read",
    "list": "read",
    "search": "read",
    "view": "read",
    "show": "read",
    "info": "read",
    "details": "read",
    "status": "read",
    "lookup": "read",
    "query": "read",
    "write": "write",
    "manage": "write",
    "create": "write",
    "update": "write",
    "edit": "write",
    "set": "write",
    "add": "write",
    "delete": "destructive",
    "remove": "destructive",
    "trigger": "execute",
    "run": "execute",
    "execute": "execute",
    "deploy": "execute",
    "start": "execute",
    "restart": "execute",
    "cancel": "write",
    "drop": "destructive",
    "purge": "destructive",
    "destroy": "destructive",
    "reset": "destructive",
    "scale": "write",
    "stop": "write",
}

# Two words that are one noun: the first is not the verb (``pull_request_read``, ``merge_request_get``).
COMPOUND_NOUNS: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        ("pull", "request"),
        ("pull", "requests"),
        ("merge", "request"),
        ("merge", "requests"),
        ("push", "notification"),
        ("push", "notifications"),
        ("sign", "in"),
        ("sign", "up"),
        ("listen", "key"),
        ("order", "book"),
        ("change", "log"),
        ("change", "logs"),
        ("change", "request"),
        ("change", "requests"),
        ("change", "set"),
        ("change", "track"),
        ("change", "tracking"),
        ("change", "feed"),
        ("change", "history"),
        ("run", "logs"),
        ("call", "data"),
        ("call", "graph"),
        ("test", "results"),
        ("open", "orders"),
        ("open", "interest"),
        ("open", "order"),
        ("open", "position"),
        ("open", "positions"),
        ("trade", "history"),
        ("transfer", "history"),
        ("deposit", "history"),
        ("deposit", "address"),
        ("withdraw", "history"),
        ("swap", "quote"),
        ("price", "change"),
        ("stake", "pool"),
        ("book", "ticker"),
        ("margin", "call"),
        ("stake", "pools"),
        ("build", "logs"),
        ("build", "status"),
    }
)

# What runs other people's work: pausing, scaling or upgrading one in place stops or replaces what runs on it.
_RUNNING_INFRASTRUCTURE: Final[frozenset[str]] = words(
    "cluster clusters node nodes instance instances replica replicas resource resources statefulset "
    "statefulsets deployment deployments vm vms machine machines server servers database databases droplet droplets"
)
# What keeps a machine's or a database's state to put back later: restoring one puts it in place of what is there;
# taking one of a machine or disk makes a stored copy.
_SAVED_STATES: Final[frozenset[str]] = words("backup backups snapshot snapshots")
_REVISIONS: Final[frozenset[str]] = words("revision revisions version versions")
_CREDENTIALS: Final[frozenset[str]] = words(
    "key keys secret secrets credential credentials password passwords token tokens certificate certificates cert certs"
)
_DISKS: Final[frozenset[str]] = words("disk disks volume volumes")
# Clearing out stored data the system thinks unused ("garbage collection"): what it frees is gone.
_GARBAGE: Final[frozenset[str]] = words("garbage")

# What a platform hosts and runs as a whole: pausing one takes it, and everything it serves, offline.
_HOSTED_WORK: Final[frozenset[str]] = words(
    "project projects app apps application applications service services environment environments"
)
# What records what happens without changing it: starting or stopping one observes.
_OBSERVATIONS: Final[frozenset[str]] = words(
    "trace traces tracing screencast screencasts profiling profiler capture captures tail tails"
)
# What a deploy makes: promoting one puts it in front of the users.
_RELEASES: Final[frozenset[str]] = words("deployment deployments build builds release releases")
# What is verified by proving who owns it: verifying one has the provider check the proof and record it.
_OWNED_IDENTITIES: Final[frozenset[str]] = words("domain domains sender senders")
# What acts on what it is told: a prompt sent to one sets it to work.
_AGENTS: Final[frozenset[str]] = words(
    "agent agents session sessions pane panes terminal terminals worker workers shell"
)
# What a pipeline, a flow or a workflow does each time it is started (and a build, a backfill: runs by another
# name).
_RUNS: Final[frozenset[str]] = words("run runs execution executions build builds backfill backfills")
# Applying or completing a migration runs its schema and data statements against the database.
_MIGRATIONS: Final[frozenset[str]] = words("migration migrations")
# What describes infrastructure to create, change or destroy when it is applied.
_INFRASTRUCTURE_PLANS: Final[frozenset[str]] = words("plan plans terraform tf changeset changesets stack stacks")

# The parts of a spreadsheet: formatting or sorting one changes the stored sheet, not a copy returned to the caller.
_SHEET_PARTS: Final[frozenset[str]] = words(
    "cell cells range ranges sheet sheets worksheet worksheets row rows column columns"
)
# What holds stored text in place: a document, a file, a page, a slide.
_STORED_TEXT: Final[frozenset[str]] = words(
    "document documents doc docs file files page pages paragraph paragraphs slide slides presentation note notes"
)
# What a merge folds into one: the others are consumed (merged cells keep one value, merged records one record).
_MERGED_AWAY: Final[frozenset[str]] = words(
    "cell cells range ranges task tasks ticket tickets contact contacts person persons people company companies "
    "deal deals lead leads record records duplicate duplicates customer customers"
)

# (and inspections: an audit, a health check, a diagnostic scan reports what it finds)
_QUERY_OBJECTS: Final[frozenset[str]] = words(
    "query queries search searches lookup lookups report reports analysis research prompt prompts audit audits "
    "health inspection inspections diagnostic diagnostics"
)
# What a model returns to the caller and nothing keeps: generating embeddings or a completion reads, and so
# does running inference.
_INFERENCE: Final[frozenset[str]] = words("inference inferences")
_MODEL_OUTPUTS: Final[frozenset[str]] = _INFERENCE | words("completion completions embedding embeddings")

# What runs on a board or a device once written there.
_FIRMWARE: Final[frozenset[str]] = words("firmware sketch sketches bootloader hex rom roms microcontroller")

# What a generator returns to the caller: text, code, plans, rules, a random password or seed phrase, a model's
# outputs (not an image, a video or audio: a hosted model makes and keeps one, and bills for it).
_GENERATED_TEXT: Final[frozenset[str]] = (
    words(
        "code commands command plan plans report reports summary summaries design designs "
        "recommendation recommendations guidance docs documentation description descriptions text "
        "query queries sql template templates diagram diagrams chart charts data snippet snippets "
        "example examples script scripts answer answers content link links url urls types schema schemas "
        "password passwords passphrase passphrases mnemonic mnemonics rule rules suggested suggestion suggestions"
    )
    | _MODEL_OUTPUTS
)

# Verbs whose meaning depends on their object: (object nouns, category) pairs, first match wins,
# then the default. ``resolve_ens_name`` reads, ``resolve_review_thread`` writes.
AMBIGUOUS_VERBS: Final[dict[str, tuple[tuple[frozenset[str], Category], ...]]] = {
    "resolve": (
        (
            words(
                "thread threads issue issues conflict conflicts incident incidents alert alerts comment "
                "comments ticket tickets dispute disputes review"
            ),
            "write",
        ),
    ),
    "open": (
        (words("position positions order trade margin loan short long"), "financial"),
        (words("url page tab browser link website app application window"), "execute"),
        (words("issue pr account ticket channel"), "write"),
    ),
    "close": (
        (words("position positions trade trades order orders margin loan"), "financial"),
        (words("account accounts repository project organization org workspace database"), "destructive"),
    ),
    "recover": ((words("signer address addresses pubkey public"), "read"),),
    "claim": (
        (
            words(
                "reward rewards airdrop airdrops yield fees fee interest token tokens funds dividend dividends bonus"
            ),
            "financial",
        ),
    ),
    "approve": (
        (
            words("token tokens spending spender allowance erc20 transfer transfers payment payments withdrawal"),
            "financial",
        ),
    ),
    # moving funds, money or coins out of somewhere moves money
    "move": ((words("fund funds money coin coins token tokens balance balances"), "financial"),),
    "send": (
        (
            words(
                "transaction transactions tx txn token tokens eth bnb btc sol coin coins funds "
                "money payment payments crypto asset assets native erc20 usdc usdt"
            ),
            "financial",
        ),
        # a prompt sent to a model asks it (as a prompt run reads); one sent to an agent or a session sets it to work
        (_AGENTS, "write"),
        (words("prompt prompts"), "read"),
    ),
    "convert": (
        (words("token tokens coin coins crypto asset assets currency funds dust balance"), "financial"),
        (_SAVED_STATES, "write"),  # converting a stored backup into a snapshot changes what is kept
    ),
    "place": ((words("order orders bet bid bids trade"), "financial"),),
    # a deployment updated (its version, image or hardware) is rolled out again
    "update": ((words("deployment deployments"), "execute"),),
    # scanning a network, a host or its ports probes what is out there (and spends the scanner's credits)
    "scan": ((words("network networks host hosts ip ips port ports internet subnet subnets range ranges"), "execute"),),
    # navigating a code base or a hierarchy reads it; navigating a browser to a URL reaches anything
    "navigate": (
        (
            words("component components tree hierarchy codebase code structure project projects file files folder"),
            "read",
        ),
    ),
    # initiating a payment or a transfer sends money
    "initiate": (
        (words("payment payments transfer transfers withdrawal withdrawals payout payouts refund"), "financial"),
    ),
    # a new key, secret or password in place of the old one: whoever used the old one is locked out
    "rotate": ((_CREDENTIALS, "destructive"),),
    # collecting metrics or logs reads them; collecting a payment takes money, collecting garbage frees storage
    "collect": (
        (words("payment payments fee fees money funds invoice invoices debt debts rent"), "financial"),
        (_GARBAGE, "destructive"),
    ),
    # undoing a payment or a transfer moves the money back
    "undo": (
        (
            words("transfer transfers payment payments withdrawal withdrawals deposit deposits trade trades"),
            "financial",
        ),
    ),
    "new": ((words("order orders trade"), "financial"), (_RUNS | words("deployment deployments"), "execute")),
    # exercising an option buys or sells what it is written on
    "exercise": (
        (words("option options contract contracts position positions right rights warrant warrants"), "financial"),
    ),
    # running a query or a search reads; running code that can write is settled by the schema step
    "execute": ((_QUERY_OBJECTS | _INFERENCE, "read"),),
    "run": ((_QUERY_OBJECTS | _INFERENCE, "read"),),
    "perform": ((_QUERY_OBJECTS | _INFERENCE, "read"),),
    "invoke": ((_QUERY_OBJECTS | _INFERENCE, "read"),),
    "start": ((_GARBAGE, "destructive"), (_QUERY_OBJECTS | _OBSERVATIONS, "read")),
    # triggering a search or a scan sets the server's own job going (what it finds is stored): a write
    "trigger": (
        (_GARBAGE, "destructive"),
        (words("search searches refresh refreshes scan scans rescan rescans reindex"), "write"),
    ),
    "stop": ((_OBSERVATIONS, "read"),),
    # printing a label, a receipt or a ticket puts it on paper (a printer's side effect); printing a version or a
    # note's content gives it back
    "print": (
        (
            words("label labels receipt receipts ticket tickets sticker stickers barcode barcodes thermal"),
            "write",
        ),
    ),
    # tracking an event or a visit records it (and may trigger what watches for it); tracking a package reads
    "track": (
        (
            words("event events visit visits conversion conversions pageview pageviews activity activities"),
            "write",
        ),
    ),
    # profiling data (a sheet, a table, a column) summarises what it holds; profiling code runs it
    "profile": (
        (
            words("data dataset datasets sheet sheets table tables column columns spreadsheet spreadsheets csv"),
            "read",
        ),
    ),
    # uploading or flashing a sketch or firmware to a board runs new code there (and replaces what ran before);
    # uploading a file stores it
    "upload": ((_FIRMWARE, "execute"),),
    "flash": ((_FIRMWARE, "execute"),),
    # loading context, specifications, documentation or a list of options reads them; loading data into tables, a
    # project or a preset changes what is there
    "load": (
        (
            words(
                "context contexts spec specs specification specifications documentation docs details info "
                "information guide guidance instructions list lists options choices"
            ),
            "read",
        ),
    ),
    # pulling records, logs or metrics from a service reads them; pulling an image, a repository or changes puts
    # them here
    "pull": (
        (
            words(
                "transaction transactions record records log logs metric metrics event events report reports data "
                "statement statements history"
            ),
            "read",
        ),
    ),
    # testing a connection or a log-in checks that it works, and testing a rule or a pattern matches it against
    # data; testing code runs it
    "test": (
        (
            words(
                "auth authentication connection connections connectivity credential credentials login permission "
                "permissions access rule rules pattern patterns regex"
            ),
            "read",
        ),
    ),
    # choosing which page or tab later calls act on changes nothing outside the session
    "select": (
        (words("page pages tab tabs frame frames window windows"), "read"),
        # selecting records or rows from a table, as SQL does, reads them
        (words("record records row rows document documents entries"), "read"),
    ),
    # evaluating a feature flag or a model reads; evaluating a script runs it
    "evaluate": (
        (
            words("script scripts code js javascript expression expressions python snippet command commands function"),
            "execute",
        ),
    ),
    # generating text (code, plans, reports) changes nothing; generating a key or a wallet does
    "generate": ((_GENERATED_TEXT, "read"),),
    # building a plan, a report or an overview puts together what it reads; building code or an image runs a build
    "build": (
        (
            words(
                "plan plans report reports summary summaries overview overviews checklist checklists outline "
                "outlines diagram diagrams query queries prompt prompts"
            ),
            "read",
        ),
    ),
    "regenerate": ((_CREDENTIALS, "destructive"), (_GENERATED_TEXT, "read")),
    "upgrade": (
        (_RUNNING_INFRASTRUCTURE, "destructive"),
        (
            words(
                "chart charts release releases deployment deployments package packages app apps application "
                "applications service services version firmware image images stack stacks function functions"
            ),
            "execute",
        ),
    ),
    # applying a migration, or a plan, stack or planned run of infrastructure, runs its statements and provider
    # calls
    "apply": ((_MIGRATIONS | _INFRASTRUCTURE_PLANS | words("run runs"), "execute"),),
    # a run, a job, an invite or an event cancelled can be made again; an order or a trade cancelled moves money
    # back, and a subscription, a booking or an account cancelled is gone with what it held
    "cancel": (
        (words("order orders trade trades payment payments transfer transfers transaction transactions"), "financial"),
        (
            words(
                "subscription subscriptions membership memberships booking bookings reservation reservations "
                "account accounts contract contracts policy policies"
            ),
            "destructive",
        ),
    ),
    # exiting a position sells it (at the market's price)
    "exit": ((words("position positions trade trades market markets"), "financial"),),
    # releasing an address, a number or a reservation gives it up: another account may take it
    "release": (
        (
            words("ip ips address addresses number numbers reservation reservations allocation allocations"),
            "destructive",
        ),
    ),
    # handing over what one owns is no payment: control of it is gone; work items, calls and conversations handed
    # to another list, queue or person are moved, not paid
    "transfer": (
        (
            words("repository repositories repo repos project projects workspace workspaces organization org"),
            "destructive",
        ),
        (
            words(
                "issue issues ticket tickets task tasks card cards call calls chat chats conversation conversations "
                "case cases lead leads"
            ),
            "write",
        ),
    ),
    # a deployment promoted (or a build, a release) goes live
    "promote": ((_RELEASES, "execute"),),
    # verifying a domain's ownership sets the provider checking its records, to mark it verified (work started, as
    # a trigger); verifying a signature or a checksum reads
    "verify": ((_OWNED_IDENTITIES, "execute"),),
    "complete": ((_MIGRATIONS, "execute"),),
    # taking capacity from running infrastructure stops the work on it (and a tier upgrade has no way back)
    "pause": ((_RUNNING_INFRASTRUCTURE | _HOSTED_WORK, "destructive"),),
    "scale": ((_RUNNING_INFRASTRUCTURE, "destructive"),),
    # resizing a machine or a disk in place (a disk grown cannot shrink back) replaces what runs there
    "resize": ((_RUNNING_INFRASTRUCTURE | _DISKS, "destructive"),),
    # cutting a machine's power (off, or off and on) loses whatever it had not written
    "power": ((words("off cycle"), "destructive"),),
    # rebuilding a machine reinstalls it from an image: its disk is wiped
    "rebuild": ((_RUNNING_INFRASTRUCTURE | _DISKS, "destructive"),),
    # restoring a backup or snapshot, or a machine or disk from one, overwrites the state there now
    # (and an earlier revision or version, in place of the current one)
    "restore": ((_SAVED_STATES | _RUNNING_INFRASTRUCTURE | _DISKS | _REVISIONS, "destructive"),),
    # a snapshot of a machine, a disk, a table or a model is a stored copy made (of a page, a record of what is seen)
    "snapshot": ((_RUNNING_INFRASTRUCTURE | _DISKS | words("table tables model models dataset datasets"), "write"),),
    # merging cells or records keeps one of them: the rest are gone (merging a branch or a pull request is not)
    "merge": ((_MERGED_AWAY, "destructive"),),
    # formatting or sorting a sheet's cells, or a stored document's text, changes them where they are (formatting
    # a value returns it)
    "format": ((_SHEET_PARTS | _STORED_TEXT, "write"),),
    "sort": ((_SHEET_PARTS | _STORED_TEXT, "write"),),
    # a run created or posted (of a pipeline, a flow, a workflow) is a run started: what it runs is decided elsewhere
    "create": ((_RUNS, "execute"),),
    "post": ((_RUNS, "execute"),),
    "queue": ((_RUNS, "execute"),),
    "enqueue": ((_RUNS, "execute"),),
    # kicking off a pipeline starts it; rolling out a release deploys it
    "kick": ((words("off"), "execute"),),
    "rollout": ((words("release releases version versions deployment deployments build builds"), "execute"),),
}

# Nouns naming money or a market position: with a mutating verb and an amount argument they make a
# tool financial (``update_margin`` with ``amount``).
MONEY_NOUNS: Final[frozenset[str]] = words("""
fund funds money token tokens coin coins crypto eth bnb btc sol usdc usdt usd stablecoin stablecoins order
orders position positions margin futures option options loan loans collateral liquidity wallet wallets asset
assets erc20 bep20 spl nft nfts lp vault vaults pool pools stake staking savings treasury cash currency
currencies fiat transaction transactions tx txn txns perpetual perp perps leverage spot dust credit debit
budget budgets
""")

# Nouns naming an act that moves or requests money, or a bookkeeping record of one: with any mutating verb
# (``create_refund``, ``finalize_invoice``, ``create_bill``) the tool is financial without an amount argument.
FINANCIAL_ACTION_NOUNS: Final[frozenset[str]] = words("""
refund refunds payout payouts withdrawal withdrawals transfer transfers payment payments swap purchase
redemption liquidation loan borrow repayment deposit order trade invoice invoices charge charges
bill bills expense expenses journal ledger receipt receipts payroll reimbursement reimbursements disbursement escrow
disbursements escrows
""")

# Nouns that make a read a read of financial data (signal ``financial-data``).
FINANCIAL_DATA_NOUNS: Final[frozenset[str]] = (
    MONEY_NOUNS
    | FINANCIAL_ACTION_NOUNS
    | words("""
price prices balance balances portfolio fee fees gas yield yields reward rewards dividend dividends
subscription subscriptions ticker tickers quote quotes market markets dex defi trades deposits transfers
earn lending borrowing interest income pnl profit kline klines ohlcv candles orderbook bank tvl apy apr
dispute disputes coupon coupons
""")
)

# Nouns that, ending a name or following a money verb used as a noun, mean "a record of":
# ``BinanceWithdrawHistory`` and ``trade_fee`` read, they do not withdraw or trade.
READ_NOUNS: Final[frozenset[str]] = words("""
history histories record records log logs status info information details detail stats statistics list balance
area length perimeter envelope distance catalog catalogue diagnostics health
summary overview report reports quote quotes rate rates fee fees limit limits ratio config settings
params parameters address addresses data metadata count counts book books chart charts analysis
estimate estimates preview price prices volume volumes depth snapshot snapshots tree
detection prediction evaluation verification validation calculation simulation estimation comparison
events rules guidelines docs documentation schema schemas guide guides examples reference manual tips
""")

# Arguments that carry a quantity of money or assets.
AMOUNT_ARGS: Final[frozenset[str]] = words("""
amount amounts quantity qty value price size wei sats lamports amount_in amount_out quote_order_qty
unit_amount total sum notional volume
""")

# Arguments that carry code for the server to run.
CODE_ARGS: Final[frozenset[str]] = words(
    "code script command cmd sql expression shell bash python javascript "
    "js source_code snippet function statement statements program"
)

# Arguments of consolidated tools that choose the operation (``method``, ``action``...).
OPERATION_ARGS: Final[frozenset[str]] = words(
    "method action operation op mode command cmd verb task kind intent subcommand sub_command"
)

# What a caller may name to have it called (``call_service`` with ``service``, ``function_name``).
CALLABLE_NOUNS: Final[frozenset[str]] = words("service services function functions procedure procedures tool tools")

# Query languages that only read: a tool that runs queries in them runs no code that writes.
READ_ONLY_QUERY_LANGUAGES: Final[frozenset[str]] = words(
    "promql logql traceql metricsql jql cql kql lucene jmespath jsonpath xpath nrql esql"
)

# A tool that sets one of these for later calls (``use_database``, ``*_context``) changes state.
CONTEXT_NOUNS: Final[frozenset[str]] = words(
    "context contexts database db namespace profile project workspace "
    "region environment cluster subscription tenant kubeconfig"
)

# Verbs that, opening a later sentence of a description ("Stores the paper locally."), say the tool
# changes state.
SIDE_EFFECT_VERBS: Final[frozenset[str]] = words("""
store save cache persist write overwrite update modify delete remove create insert advance reset clear send post
publish upload move rename replace append archive purge drop truncate
""")

# Verbs recognised in names only: in prose they are too common to mean anything ("this is", "a new").
NAME_ONLY_VERBS: Final[frozenset[str]] = words("is has can new long short note type book")

# Words to skip in a description before its verb ("This tool allows you to create ...").
DESCRIPTION_FILLER: Final[frozenset[str]] = words("""
this these those tool tools will can may might should would lets let allows enables helps help you your to the
a an used use
using for and or that which it its is are be simply just please also then here we i us our function endpoint
api method mcp server when need needs want wants easily quickly directly batch bulk
""")
