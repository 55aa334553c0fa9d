"""The command line: `text`, `batch` and `refdata` through the one use case; `serve` the HTTP API; `worker` and
`submit` the job queue; `up` all of it locally; `apikey`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import IO, Any, BinaryIO

from enrich.documents import decode, error_of, numbered_lines, parse_date, parse_line
from enrich.errors import EnrichError, InvalidInput

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
NAMES_HELP = "also list every listed company the article names, tagged or not (\"companies\" in the JSON)"


def _date(value: str) -> str:
    try:
        return parse_date(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m enrich", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    text = commands.add_parser("text", help="enrich one article and print its mentions as JSON")
    text.add_argument("file", nargs="?", default="-", help="a UTF-8 text file, or - for standard input")
    text.add_argument("--as-of", type=_date, help="the article's date, YYYY-MM-DD")
    text.add_argument("--no-prices", action="store_true", help="skip price context")
    text.add_argument("--names", action="store_true", help=NAMES_HELP)
    text.add_argument("--fix", action="store_true",
                      help="print the article with every correction applied (with --names, every suggested tag too)")
    text.add_argument("--indent", type=int, default=None, help="pretty-print the JSON with this indent")
    batch = commands.add_parser("batch", help="enrich a JSONL file of {id, text, as_of?} lines")
    batch.add_argument("input", help="a JSONL file, or - for standard input")
    batch.add_argument("-o", "--output", default="-", help="where to write the results (default: stdout)")
    batch.add_argument("--no-prices", action="store_true", help="skip price context")
    batch.add_argument("--names", action="store_true", help=NAMES_HELP)
    batch.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    refdata = commands.add_parser("refdata", help="the bundled reference data")
    refdata_commands = refdata.add_subparsers(dest="refdata_command", required=True)
    refdata_commands.add_parser("info", help="sources, as-of dates, row counts and load time")
    refresh = refdata_commands.add_parser(
        "refresh", help="write a new SEC snapshot DIR/sec-YYYY-MM-DD.tsv, then print it and the reloaded index info",
        description="Write the SEC company-tickers-exchange list as DIR/sec-<as-of>.tsv (earlier snapshots are "
                    "kept), then print the path and `refdata info` for the index reloaded with DIR.")
    source = refresh.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-file", metavar="F", help="a downloaded company_tickers_exchange.json (or .json.gz)")
    source.add_argument("--download", action="store_true", help="fetch the list from www.sec.gov")
    refresh.add_argument("--as-of", type=_date, help="the list's date, YYYY-MM-DD: required with --from-file; "
                                                      "default for --download: today (UTC)")
    refresh.add_argument("--user-agent", help='for --download: "Name email@example.com" (the SEC requires one)')
    refresh.add_argument("--dir", help="the snapshot folder (default: ENRICH_REFDATA_DIR)")
    commands.add_parser("serve", help="serve the HTTP API with gunicorn on $HOST:$PORT (default 127.0.0.1:8000)",
                        description="Run gunicorn with config/gunicorn.py, as the Procfile's web line does: "
                                    "HOST, PORT, WEB_CONCURRENCY and ENRICH_WEB_THREADS set where and how.")
    commands.add_parser("apikey", help="make a new API key and the digest to add to ENRICH_API_KEYS")
    worker = commands.add_parser("worker", help="run a queue worker (RQ) that enriches submitted jobs",
                                 description="Work the job queue in REDIS_URL until SIGTERM, as the Procfile's worker "
                                             "line does; run as many as you like, on as many machines.")
    worker.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    worker.add_argument("--name", help="the worker's name in RQ (default: a random one)")
    submit = commands.add_parser("submit", help="submit a JSONL file of {id, text, as_of?} lines as one job",
                                 description="Put the documents on the job queue in REDIS_URL; print the job id, or "
                                             "with --wait follow it and write every result as JSONL, in order.")
    submit.add_argument("input", help="a JSONL file, or - for standard input")
    submit.add_argument("--wait", action="store_true", help="wait for the results (progress bar on a terminal)")
    submit.add_argument("-o", "--output", default="-", help="with --wait: where to write them (default: stdout)")
    submit.add_argument("--no-prices", action="store_true", help="skip price context")
    submit.add_argument("--names", action="store_true", help=NAMES_HELP)
    submit.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    up = commands.add_parser("up", help="start everything locally: Redis (embedded), gunicorn, a worker",
                             description="Start Redis (an embedded one when REDIS_URL is unset), the web server and "
                                         "the workers; print where to look; Ctrl-C stops them all.")
    up.add_argument("--offline", action="store_true", help="no network: ENRICH_MARKET_DATA=offline")
    up.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    up.add_argument("--redis-port", type=int, help="the embedded Redis's port (default: a free one)")
    return parser


def _read_bytes(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InvalidInput(f"cannot read {name}: {exc.strerror}") from None


def _text(args: argparse.Namespace) -> int:
    from enrich.service import enrich, fixed_text
    from enrich.wiring import build_services

    services = build_services()
    text = decode(_read_bytes(args.file), "the article")
    result = enrich(text, services, as_of=args.as_of, prices=not args.no_prices, names=args.names)
    if args.fix:
        sys.stdout.write(fixed_text(result))
    else:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=args.indent)
        sys.stdout.write("\n")
    return EXIT_OK


def _progress(handle: BinaryIO, total: int | None, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc="enriching", file=sys.stderr)


def _batch(args: argparse.Namespace) -> int:
    from enrich.service import enrich
    from enrich.wiring import build_services

    services = build_services()
    source: BinaryIO
    if args.input == "-":
        source, total = sys.stdin.buffer, None
    else:
        try:
            source, total = open(args.input, "rb"), os.path.getsize(args.input)  # noqa: SIM115
        except OSError as exc:
            raise InvalidInput(f"cannot read {args.input}: {exc.strerror}") from None
    out: IO[str] = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    bar = _progress(source, total, sys.stderr.isatty() and not args.no_progress)
    done = failed = 0
    try:
        for number, raw in numbered_lines(source):
            try:
                document = parse_line(raw, number)
                result = enrich(document["text"], services, as_of=document["as_of"], prices=not args.no_prices,
                                names=args.names)
                record = {"id": document["id"], **result.to_dict()}
            except EnrichError as exc:
                failed += 1
                record = error_of(exc, line=number)
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
            done += 1
            if bar is not None:
                bar.update(len(raw) + 1)
    finally:
        if bar is not None:
            bar.close()
        if source is not sys.stdin.buffer:
            source.close()
        if out is not sys.stdout:
            out.close()
    print(f"{done} documents, {failed} failed", file=sys.stderr)
    return EXIT_OK


def _refdata(args: argparse.Namespace) -> int:
    if args.refdata_command == "refresh":
        from config.settings import Settings
        from enrich.errors import RefdataError
        from enrich.refdata.index import load_index
        from enrich.refdata.refresh import refresh

        directory = args.dir or Settings.from_env().refdata_dir
        if not directory:
            raise RefdataError("refdata refresh needs a snapshot folder: give --dir DIR or set ENRICH_REFDATA_DIR")
        path = refresh(directory, from_file=args.from_file, as_of=args.as_of, download=args.download,
                       user_agent=args.user_agent)
        print(path, flush=True)
        info = load_index(snapshot_dir=directory).info()
        if info["sec_snapshots"][-1] != path.name[4:-4]:
            print(f"note: {path.name} is older than the SEC list of {info['sec_snapshots'][-1]}, which still gives "
                  "the listings; the new snapshot adds history and renames", file=sys.stderr)
    else:
        from enrich.wiring import build_services

        info = build_services().reference.info()
    json.dump(info, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from enrich.web.serve import serve

    return serve()  # with ENRICH_FRONT=none it becomes gunicorn and never returns


def _apikey(args: argparse.Namespace) -> int:
    from enrich.web.keys import new_key

    key, digest = new_key()
    print(f"key:    {key}\ndigest: {digest}\n"
          f"Give the key to the client (X-API-Key: KEY); append the digest to ENRICH_API_KEYS (comma-separated).")
    return EXIT_OK


def _up(args: argparse.Namespace) -> int:
    from enrich.local import up

    return up(offline=args.offline, workers=args.workers, redis_port=args.redis_port)


def _worker(args: argparse.Namespace) -> int:
    from enrich.jobs.commands import worker

    return worker(args.burst, args.name)


def _submit(args: argparse.Namespace) -> int:
    from enrich.jobs.commands import submit_file

    return submit_file(args.input, wait=args.wait, output=args.output, prices=not args.no_prices, names=args.names,
                       progress=sys.stderr.isatty() and not args.no_progress)


def main(argv: list[str] | None = None) -> int:
    """Run one command; errors are one line on stderr and a non-zero exit code."""
    args = _parser().parse_args(argv)
    handler = {"text": _text, "batch": _batch, "refdata": _refdata, "serve": _serve, "apikey": _apikey,
               "up": _up, "worker": _worker, "submit": _submit}[args.command]
    try:
        return handler(args)
    except EnrichError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
