#!/usr/bin/env python3
"""Benchmark of the intake pipeline against the floor (SPEC §8 "Fast").

    sudo .venv/bin/python scripts/benchmark.py -n 1000 [--json]

Needs root (Dovecot switches to the `mail` user). Builds N realistic
submission mails with the fixture builder (cached in $INTAKE_BENCH_CACHE,
default /var/tmp/qc-intake-bench; built on every core the first time),
APPENDs them to a throwaway Dovecot and measures, in one run:

- floor: single-threaded bare download (imapclient, BODY.PEEK[] in batches)
  plus MIME decode, lxml parse of each Office file's main XML part, one
  decode of each image, an open of each PDF page;
- loopback: `intake poll --once` to the end (replies to a local aiosmtpd),
  wall time, ratio to the floor, messages/s, the main process's stages
  (validate split by function), the workers' stages, time per attachment
  kind (bench/staged_poll.py), peak RSS, CPU use of each core, and the idle
  periods before the last decision (bench/timeline.py);
- slow link: the same on a fresh store through the benchmark's own proxy
  limiting server->client to --rate MB/s, against a bare download through
  the same proxy;
- idle poll (nothing new) on mailboxes of 1,000 and 10,000 messages;
- APPEND-to-reply latency with `intake run` (IMAP IDLE), --trials trials;
- peak RSS of the loopback run at each --rss-n (extra runs).

Skip parts with --skip slow,idle,latency.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import env
from bench.floor import download, floor
from bench.mails import DEFAULT_CACHE, ensure_mails, small_mail
from bench.proxy import SlowProxy
from bench.timeline import CpuSampler, idle_periods, kinds, read_worker_lines, worker_stages

STAGED = str(Path(__file__).resolve().parent / "bench" / "staged_poll.py")


def say(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def pipeline_run(imap_url: str, label: str, expected: int) -> dict:
    """`intake poll --once` (with stage timers) on a fresh store; replies to a fresh capture."""
    with env.smtp_capture() as smtp, env.workdir(label) as folder:
        config = env.bench_config(folder, imap_url, smtp)
        stages = folder / "stages.json"
        launched = time.monotonic()
        with CpuSampler() as cpu:
            result = env.run_measured([env.PYTHON, STAGED, str(stages), "--config", str(config), "poll", "--once"],
                                      folder / "poll.log")
        if result["exit"] != 0:
            raise SystemExit(f"{label}: intake poll failed:\n{(folder / 'poll.log').read_text()[-3000:]}")
        result.update(json.loads(stages.read_text()))
        intervals = result.pop("intervals")
        messages = read_worker_lines(stages.with_suffix(".workers.jsonl"))
        result["worker_stages_s"] = worker_stages(messages)
        result["worker_messages"] = len(messages)
        result["kinds"] = kinds(messages)
        last_decision = max((t1 for name, _, t1 in intervals if name == "store"), default=launched)
        result["idle"] = idle_periods(cpu.samples, launched, last_decision, intervals, messages)
        # interpreter start-up, imports, and whatever lies between the timed stages
        result["stages_s"]["other"] = round(result["wall_s"] - sum(result["stages_s"].values()), 2)
        result["replies"] = len(smtp.messages)
        result["messages_per_s"] = round(expected / result["wall_s"], 2)
        log_lines = (folder / "poll.log").read_text(errors="replace").splitlines()
        result["poll_summary"] = next((l for l in reversed(log_lines) if "Poll:" in l), "")
        return result


def measure_throughput(paths: list[Path], args) -> dict:
    out: dict = {}
    with env.dovecot() as server:
        say(f"APPENDing {len(paths)} mails ...")
        out["append_s"] = env.append_all(server, (p.read_bytes() for p in paths))
        out["mailbox_mb"] = round(sum(p.stat().st_size for p in paths) / 1e6, 1)
        say("floor (single-threaded download + decode) ...")
        out["floor"] = floor(server.host, server.imap_port, server.username, server.password)
        say("pipeline on loopback ...")
        out["loopback"] = pipeline_run(server.url(), "loopback", len(paths))
        out["loopback"]["ratio_to_floor"] = round(out["loopback"]["wall_s"] / out["floor"]["floor_s"], 2)
        if "slow" not in args.skip:
            rate = args.rate * 1e6
            with SlowProxy(server.host, server.imap_port, rate) as proxy:
                say(f"bare download through a {args.rate} MB/s link ...")
                bare = download(server.host, proxy.port, server.username, server.password)
                say(f"pipeline through a {args.rate} MB/s link ...")
                slow = pipeline_run(f"imap://127.0.0.1:{proxy.port}", "slow", len(paths))
            slow["bare_download_s"] = bare["wall_s"]
            slow["ratio_to_bare_download"] = round(slow["wall_s"] / bare["wall_s"], 2)
            slow["rate_mb_s"] = args.rate
            out["slow_link"] = slow
    return out


def idle_poll(sizes: list[int], repeats: int = 5) -> dict:
    """poll_once with nothing new (checkpoint at the last UID), in-process and as `intake poll --once`."""
    from intake.base.config import load_settings
    from intake.mailbox import Mailbox
    from intake.run.pipeline import Pipeline
    from intake.run.poll import poll_once

    os.environ.update({k: v for k, v in env.ENV.items() if k.startswith("TEST_")})
    results = {}
    with env.dovecot() as server, env.smtp_capture() as smtp, env.workdir("idle") as folder:
        config = env.bench_config(folder, server.url(), smtp)
        settings = load_settings(config)
        pipeline = Pipeline.open(settings)
        have = 0
        for size in sizes:
            say(f"idle poll on {size} messages (APPENDing {size - have} small mails) ...")
            env.append_all(server, (small_mail(i) for i in range(have, size)), batch=500)
            have = size
            status = server.status()
            account = f"{settings.mailbox.username}@{settings.mailbox.host}"
            pipeline.store.save_checkpoint(account, settings.mailbox.folder, status["UIDVALIDITY"],
                                           status["UIDNEXT"] - 1)
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                report = poll_once(pipeline)
                times.append(time.perf_counter() - start)
                assert report.fetched == 0, report
            with Mailbox(settings.mailbox, settings.secret(settings.mailbox.password_env)) as kept:
                checks = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    kept.check()  # what `intake run` does between IDLEs / polls: NOOP + STATUS
                    checks.append(time.perf_counter() - start)
            cli = env.run_measured([env.PYTHON, "-m", "intake.cli", "--config", str(config), "poll", "--once"],
                                   folder / "idle-cli.log")
            results[str(size)] = {"in_process_ms_median": round(1000 * statistics.median(times), 1),
                                  "in_process_ms_max": round(1000 * max(times), 1),
                                  "service_check_ms_median": round(1000 * statistics.median(checks), 2),
                                  "cli_wall_s": round(cli["wall_s"], 2)}
    return results


def idle_latency(paths: list[Path], trials: int) -> dict:
    """APPEND one mail, wait for its reply, with `intake run` watching over IDLE."""
    import subprocess
    with env.dovecot() as server, env.smtp_capture() as smtp, env.workdir("latency") as folder:
        config = env.bench_config(folder, server.url(), smtp)
        with open(folder / "run.log", "wb") as log:
            service = subprocess.Popen([env.PYTHON, "-m", "intake.cli", "--config", str(config), "run"],
                                       stdout=log, stderr=subprocess.STDOUT, env=env.ENV, cwd=env.REPO)
        try:
            server.append(paths[0].read_bytes())  # warm-up: start-up and imports are not latency
            smtp.wait_for(1, timeout=60)
            times = []
            for i in range(1, trials + 1):
                raw = paths[i % len(paths)].read_bytes()
                if i >= len(paths):  # reuse with a new identity, so it is not a duplicate
                    raw = raw.replace(b"Message-ID: <", f"Message-ID: <lat{i}.".encode(), 1)
                time.sleep(0.5)
                start = time.perf_counter()
                server.append(raw)
                smtp.wait_for(i + 1, timeout=60)
                times.append(time.perf_counter() - start)
        finally:
            service.terminate()
            service.wait(30)
    times.sort()
    return {"trials": trials, "median_s": round(statistics.median(times), 3),
            "p95_s": round(times[math.ceil(0.95 * len(times)) - 1], 3),  # nearest rank
            "max_s": round(times[-1], 3)}


def rss_at(n: int, args) -> dict:
    paths = ensure_mails(n, args.cache, progress=say)
    with env.dovecot() as server:
        env.append_all(server, (p.read_bytes() for p in paths))
        run = pipeline_run(server.url(), f"rss{n}", n)
    return {"peak_rss_mb": run["peak_rss_mb"], "peak_rss_all_mb": run["peak_rss_all_mb"],
            "wall_s": round(run["wall_s"], 1)}


def print_text(result: dict) -> None:
    n, fl, lo = result["n"], result["floor"], result["loopback"]
    print(f"N = {n} mails, {result['mailbox_mb']} MB (APPEND took {result['append_s']:.1f} s)")
    print(f"floor (1 thread): {fl['floor_s']:.1f} s  = download {fl['download_s']:.1f} s"
          f" + decode {fl['decode_s']:.1f} s   ({n / fl['floor_s']:.1f} msg/s)")
    print(f"pipeline, loopback: {lo['wall_s']:.1f} s   ratio {lo['ratio_to_floor']:.2f}x floor"
          f"   {lo['messages_per_s']} msg/s   replies {lo['replies']}")
    print("  main process, stages (s): " + "  ".join(f"{k} {v:.1f}" for k, v in lo["stages_s"].items()))
    print("    within validate: " + "  ".join(f"{k} {v:.1f}" for k, v in lo["validate_s"].items()))
    print(f"  worker processes: parse + extract {lo['workers_cpu_s']['prepare']:.1f} s CPU (incl. LibreOffice,"
          f" Tesseract and PDF children)")
    print_workers(lo)
    print(f"  peak RSS {lo['peak_rss_mb']} MB main process, {lo['peak_rss_all_mb']} MB all processes"
          f"   main CPU user {lo['cpu_user_s']:.1f} s + sys {lo['cpu_system_s']:.1f} s"
          f"   per-core busy % {lo['cpu_percent_per_core']}")
    if "slow_link" in result:
        sl = result["slow_link"]
        print(f"slow link {sl['rate_mb_s']} MB/s: bare download {sl['bare_download_s']:.1f} s, pipeline"
              f" {sl['wall_s']:.1f} s, ratio {sl['ratio_to_bare_download']:.2f}x   {sl['messages_per_s']} msg/s"
              f"   per-core busy % {sl['cpu_percent_per_core']}")
        print("  main process, stages (s): " + "  ".join(f"{k} {v:.1f}" for k, v in sl["stages_s"].items()))
        print_workers(sl, idle=False)
    for size, idle in result.get("idle_poll", {}).items():
        print(f"idle poll, {size} messages: {idle['in_process_ms_median']} ms in-process (max"
              f" {idle['in_process_ms_max']} ms); `intake poll --once` {idle['cli_wall_s']} s incl. start-up;"
              f" the service's check on its kept connection {idle['service_check_ms_median']} ms")
    if "idle_latency" in result:
        lat = result["idle_latency"]
        print(f"APPEND -> reply with IDLE, {lat['trials']} trials: median {lat['median_s']} s,"
              f" p95 {lat['p95_s']} s, max {lat['max_s']} s")
    for size, rss in result.get("rss", {}).items():
        print(f"peak RSS at N = {size}: {rss['peak_rss_mb']} MB main process,"
              f" {rss['peak_rss_all_mb']} MB all processes ({rss['wall_s']} s)")
    print(f"benchmark took {result['benchmark_s']} s; load average at start {result['load_average_at_start']},"
          f" at end {result['load_average_at_end']} (2 cores: more than ~2 means others shared the machine)")


def print_workers(run: dict, idle: bool = True) -> None:
    """The workers' stages and attachment kinds; with `idle`, the idle periods of the run."""
    ws = dict(run["worker_stages_s"])
    prepare = ws.pop("prepare", 0.0)
    parts = ["parse", "unpack", "read files", "copy signature"]
    print(f"  worker processes, wall s summed over workers: prepare {prepare:.1f} ({run['worker_messages']} messages)"
          f" = " + "  ".join(f"{k} {ws.get(k, 0.0):.1f}" for k in parts)
          + f"  other {prepare - sum(ws.get(k, 0.0) for k in parts):.1f}")
    print("    within reading files: " + "  ".join(f"{k} {v:.1f}" for k, v in ws.items() if k not in parts))
    print("  attachment kinds (read in a worker; wall s):   kind         count   total  median")
    for kind, row in run["kinds"].items():
        print(f"    {kind:<44} {row['count']:>6} {row['total_s']:>7.1f} {row['median_s']:>7.3f}")
    if not idle:
        return
    info = run["idle"]
    print(f"  idle periods (>= 1 s, both cores together < 150 % busy, before the last decision at"
          f" {info['window_s']:.1f} s): {len(info['periods'])}, {info['idle_total_s']:.1f} s in all;"
          f" {info['unused_core_s']:.1f} core-s unused in that window")
    for p in info["periods"]:
        main = ", ".join(f"{k} {v:.1f}" for k, v in p["main"].items()) or "nothing timed (start-up, imports)"
        print(f"    {p['start']:6.1f}-{p['end']:6.1f} s ({p['length_s']:.1f} s) busy % {p['busy_pct']};"
              f" main: {main}; workers preparing {p['workers_busy']:.2f} messages on average")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="submission mails (default 1000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--rate", type=float, default=4.0, help="slow link server->client MB/s (default 4)")
    parser.add_argument("--idle-sizes", default="1000,10000", help="mailbox sizes for the idle poll")
    parser.add_argument("--trials", type=int, default=20, help="IDLE latency trials (default 20)")
    parser.add_argument("--rss-n", default="", help="extra N values to measure peak RSS at, e.g. 5000")
    parser.add_argument("--skip", default="", help="comma list of: slow, idle, latency")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="fixture mail cache folder")
    args = parser.parse_args()
    args.skip = set(filter(None, args.skip.split(",")))
    if os.geteuid() != 0:
        raise SystemExit("needs root: Dovecot's mail processes run as the `mail` user")
    started = time.perf_counter()
    load_at_start = [round(v, 2) for v in os.getloadavg()]
    paths = ensure_mails(args.n, args.cache, progress=say)
    result = {"n": args.n, **measure_throughput(paths, args)}
    if "idle" not in args.skip:
        result["idle_poll"] = idle_poll([int(s) for s in args.idle_sizes.split(",") if s])
    if "latency" not in args.skip:
        say("APPEND-to-reply latency with IDLE ...")
        result["idle_latency"] = idle_latency(paths, args.trials)
    result["rss"] = {str(args.n): {"peak_rss_mb": result["loopback"]["peak_rss_mb"],
                                   "peak_rss_all_mb": result["loopback"]["peak_rss_all_mb"],
                                   "wall_s": round(result["loopback"]["wall_s"], 1)}}
    for extra in filter(None, args.rss_n.split(",")):
        say(f"peak RSS at N = {extra} ...")
        result["rss"][extra] = rss_at(int(extra), args)
    result["benchmark_s"] = round(time.perf_counter() - started, 1)
    # The machine may be shared: a load well above 2 (before our own work) means the figures are noisy.
    result["load_average_at_start"] = load_at_start
    result["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print_text(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
