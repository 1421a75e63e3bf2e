"""Throughput of `medveil.detect` on >= 100 MB of notes; time and peak memory of
`medveil.classify.classify_table_file` on a ~1 GB CSV.

Notes: 2,000 notes from bench/corpus.py (1,000 EN, 1,000 ZH) are reused cyclically with
varied fillers — in each cycle every labeled span gets a per-cycle digit permutation and
every name is swapped for another from the pool — and written as JSONL shards to a temp
dir until ``--notes-mb`` MB (UTF-8, 1 MB = 10^6 bytes) are on disk. The process is pinned
to one core; ``Detector()`` is built once (its construction is timed apart), then each shard
is loaded (untimed) and ``detect`` is timed on every note. Throughput = UTF-8 bytes / detect
time; it is reported per language too (a CJK character is 3 bytes). ``--max-seconds`` stops
early and extrapolates, saying so.

CSV: a hospital-export-like table (Chinese headers; resident IDs with valid check characters,
mobiles, e-mails, addresses, MRNs, insurance numbers, dates, names + clinical columns) is
written with numpy until ``--csv-gb`` GB, then classified in a fresh subprocess (not pinned:
the reader may use every core) whose peak RSS is read from VmHWM in /proc/self/status.

Targets: >= 10 MB/s per core; 1 GB CSV in < 30 s with peak RSS < 1 GB.

Usage: python bench/scan_speed.py [--notes-mb 100] [--csv-gb 1.0] [--max-seconds S]
       python bench/scan_speed.py --standin   # harness self-test with a toy regex detector
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
from corpus import Note

TARGET_MBPS = 10.0
TARGET_CSV_SECONDS = 30.0
TARGET_CSV_PEAK = 1e9
SHARD_BYTES = 16_000_000
SEED = 20261127


# ---------------------------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------------------------

def _variants(base: list[Note], seed: int) -> Iterator[tuple[str, str]]:
    """(lang, text) forever: the base notes, then cycles with varied fillers."""
    names = {lang: sorted({n.text[s.start:s.end] for n in base if n.lang == lang
                           for s in n.spans if s.type == "PERSON"}) for lang in ("en", "zh")}
    rng = random.Random(seed)
    cycle = 0
    while True:
        digits = list("0123456789")
        rng.shuffle(digits)
        table = str.maketrans("0123456789", "".join(digits))
        for note in base:
            if cycle == 0:
                yield note.lang, note.text
                continue
            parts, pos = [], 0
            for s in note.spans:
                parts.append(note.text[pos:s.start])
                value = note.text[s.start:s.end]
                if s.type == "PERSON":
                    pool = names[note.lang]
                    value = pool[(zlib.crc32(value.encode()) + cycle * 7919) % len(pool)]
                else:
                    value = value.translate(table)
                parts.append(value)
                pos = s.end
            parts.append(note.text[pos:])
            yield note.lang, "".join(parts)
        cycle += 1


def write_notes(out: Path, megabytes: float, seed: int = SEED) -> tuple[list[Path], int]:
    """JSONL shards of notes totalling >= ``megabytes`` MB of UTF-8 text."""
    base = corpus.generate(seed, 1000, 1000)
    shards: list[Path] = []
    total = 0
    fh = None
    shard_bytes = SHARD_BYTES
    for lang, text in _variants(base, seed):
        if total >= megabytes * 1e6:
            break
        if shard_bytes >= SHARD_BYTES:
            if fh:
                fh.close()
            shards.append(out / f"notes-{len(shards):03d}.jsonl")
            fh = shards[-1].open("w", encoding="utf-8")
            shard_bytes = 0
        n = len(text.encode("utf-8"))
        assert fh is not None
        fh.write(json.dumps({"lang": lang, "text": text}, ensure_ascii=False) + "\n")
        total += n
        shard_bytes += n
    if fh:
        fh.close()
    return shards, total


def _pin_one_core() -> tuple[str, set[int] | None]:
    """Pin this process to one CPU; returns a description and the previous CPU set."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)", None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return f"pinned to CPU {min(before)} of {len(before)}", before


def time_detect(shards: list[Path], detect: Callable[[str], object],
                max_seconds: float | None) -> dict[str, Any]:
    per_lang = {"en": [0, 0.0, 0], "zh": [0, 0.0, 0]}  # bytes, seconds, notes
    stopped = False
    for shard in shards:
        with shard.open(encoding="utf-8") as fh:
            notes = [json.loads(line) for line in fh]
        for note in notes:
            text = note["text"]
            t = time.perf_counter()
            detect(text)
            dt = time.perf_counter() - t
            acc = per_lang[note["lang"]]
            acc[0] += len(text.encode("utf-8"))
            acc[1] += dt
            acc[2] += 1
        if max_seconds is not None and sum(v[1] for v in per_lang.values()) > max_seconds:
            stopped = True
            break
    nbytes = sum(v[0] for v in per_lang.values())
    seconds = sum(v[1] for v in per_lang.values())
    return {
        "bytes": nbytes, "seconds": seconds, "notes": sum(v[2] for v in per_lang.values()),
        "mb_per_s": nbytes / 1e6 / seconds, "subset": stopped,
        "per_language": {lang: {"bytes": b, "seconds": s, "notes": n,
                                "mb_per_s": b / 1e6 / s if s else float("nan")}
                         for lang, (b, s, n) in per_lang.items()},
    }


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

# Column header -> the identifier type a classifier should report (None: not an identifier;
# "?" : no expectation, e.g. ages, mostly under 90).
CSV_COLUMNS: dict[str, str | None] = {
    "住院号": "MRN", "姓名": "PERSON", "性别": None, "出生日期": "DATE", "年龄": "?",
    "身份证号": "CN_RESIDENT_ID", "联系电话": "PHONE", "电子邮箱": "EMAIL", "现住址": "LOCATION",
    "医保卡号": "HEALTH_PLAN_ID", "入院日期": "DATE", "科室": None, "ICD10编码": None, "诊断": None,
    "分期": None, "CEA": None, "血红蛋白": None, "收缩压": None, "舒张压": None,
}
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def _digit_matrix(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return rng.integers(0, 10, (n, width), dtype=np.uint8) + ord("0")


def _fixed(mat: np.ndarray) -> np.ndarray:
    """An (n, w) uint8 matrix of characters as an n-vector of S{w} strings."""
    mat = np.ascontiguousarray(mat)
    return mat.view(f"S{mat.shape[1]}").ravel()


def _pools(seed: int) -> dict[str, np.ndarray]:
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    ctx = corpus._ZhNote(rng, fake)
    day0 = np.datetime64("1920-01-01")
    days = np.datetime_as_string(day0 + np.arange(40000).astype("m8[D]")).astype("S10")
    regions = np.array([[int(c) for c in r] for r in corpus._CN_REGIONS], dtype=np.int64)
    return {
        "name": np.array([fake.name().encode() for _ in range(20000)]),
        "email": np.array([ctx._email().encode() for _ in range(20000)]),
        "address": np.array([ctx._address().encode() for _ in range(20000)]),
        "dept": np.array([d.encode() for d in corpus._ZH_DEPTS]),
        "dx": np.array([d.encode() for d, _ in corpus._ZH_DX]),
        "icd": np.array([c.encode() for _, c in corpus._ZH_DX]),
        "stage": np.array([s.encode() for s in corpus._ZH_STAGES]),
        "sex": np.array(["男".encode(), "女".encode()]),
        "int": np.array([str(i).encode() for i in range(1000)]),
        "dec": np.array([f"{i / 10:.1f}".encode() for i in range(10000)]),
        "days": days, "day0": np.array([day0]),
        "regions": regions,
        "mobile_prefix": np.array([[int(c) for c in p] for p in corpus._CN_MOBILE_PREFIX],
                                  dtype=np.uint8) + ord("0"),
    }


def _chunk(rng: np.random.Generator, n: int, pools: dict[str, np.ndarray]) -> bytes:
    pick = lambda key: pools[key][rng.integers(0, len(pools[key]), n)]  # noqa: E731
    birth = rng.integers(0, 33000, n)  # days since 1920-01-01
    age = (38700 - birth) // 365  # as of 2026
    admit = rng.integers(35000, 38600, n)  # 2015-10 .. 2025-09
    # Resident IDs: region + YYYYMMDD + 3-digit sequence + GB 11643 check character.
    rid = np.empty((n, 18), dtype=np.uint8)
    rid[:, :6] = pools["regions"][rng.integers(0, len(pools["regions"]), n)] + ord("0")
    ymd = pools["days"][birth].view(np.uint8).reshape(n, 10)
    rid[:, 6:10], rid[:, 10:12], rid[:, 12:14] = ymd[:, 0:4], ymd[:, 5:7], ymd[:, 8:10]
    rid[:, 14:17] = _digit_matrix(rng, n, 3)
    rid[:, 17] = _CHECK[((rid[:, :17] - ord("0")).astype(np.int64) @ _WEIGHTS) % 11]
    mobile = np.empty((n, 11), dtype=np.uint8)
    mobile[:, :3] = pools["mobile_prefix"][rng.integers(0, len(pools["mobile_prefix"]), n)]
    mobile[:, 3:] = _digit_matrix(rng, n, 8)
    mrn = np.empty((n, 12), dtype=np.uint8)
    mrn[:, :2] = np.frombuffer(b"ZY", dtype=np.uint8)
    mrn[:, 2:] = _digit_matrix(rng, n, 10)
    ins = np.empty((n, 14), dtype=np.uint8)
    ins[:, :2] = np.frombuffer(b"YB", dtype=np.uint8)
    ins[:, 2:] = _digit_matrix(rng, n, 12)
    dx = rng.integers(0, len(pools["dx"]), n)
    columns = [
        _fixed(mrn), pick("name"), pools["sex"][rng.integers(0, 2, n)], pools["days"][birth],
        pools["int"][age], _fixed(rid), _fixed(mobile), pick("email"), pick("address"),
        _fixed(ins), pools["days"][admit], pick("dept"), pools["icd"][dx], pools["dx"][dx],
        pick("stage"), pools["dec"][np.clip(rng.lognormal(1.2, 0.8, n) * 10, 0, 9999).astype(int)],
        pools["int"][rng.integers(70, 170, n)], pools["int"][rng.integers(95, 180, n)],
        pools["int"][rng.integers(55, 110, n)],
    ]
    row = columns[0]
    for col in columns[1:]:
        row = np.strings.add(np.strings.add(row, b","), col)
    return b"\n".join(row.tolist()) + b"\n"


def write_csv(path: Path, gigabytes: float, seed: int = SEED, chunk_rows: int = 400_000) -> int:
    """A CSV of about ``gigabytes`` GB (10^9 bytes); returns the number of data rows."""
    rng = np.random.default_rng(seed)
    pools = _pools(seed)
    rows = 0
    row_bytes = 200.0  # refined after the first chunk
    with path.open("wb") as fh:
        fh.write((",".join(CSV_COLUMNS) + "\n").encode())
        while (left := gigabytes * 1e9 - fh.tell()) > 0:
            n = max(1, min(chunk_rows, int(left / row_bytes) + 1))
            data = _chunk(rng, n, pools)
            fh.write(data)
            rows += n
            row_bytes = len(data) / n
    return rows


_CHILD = """
import json, sys, time
def hwm():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
from medveil.classify import classify_table_file
base = hwm()
t = time.perf_counter()
res = classify_table_file(sys.argv[1])
elapsed = time.perf_counter() - t
cols = {c.column: (None if c.identifier_type is None else str(c.identifier_type))
        for c in res.columns}
print(json.dumps({"seconds": elapsed, "peak_bytes": hwm(), "import_peak_bytes": base,
                  "rows_total": res.rows_total, "columns": cols}))
"""


def time_classify(path: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"classification subprocess failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _classify_missing() -> str | None:
    """Why medveil.classify.classify_table_file cannot be imported, or None if it can."""
    try:
        from medveil.classify import classify_table_file  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes-mb", type=float, default=100.0)
    ap.add_argument("--csv-gb", type=float, default=1.0, help="0 skips the CSV part")
    ap.add_argument("--max-seconds", type=float, default=None,
                    help="stop timing notes after this many seconds and extrapolate")
    ap.add_argument("--workdir", type=Path, default=None, help="default: a temp dir")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE")
    ap.add_argument("--standin", action="store_true",
                    help="use the toy regex detector of scan_quality.py (harness self-test)")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="medveil-scan-bench-", dir=args.workdir) as tmp:
        tmpdir = Path(tmp)
        t = time.perf_counter()
        shards, total = write_notes(tmpdir, args.notes_mb)
        print(f"notes: wrote {total / 1e6:.1f} MB in {len(shards)} shards "
              f"({time.perf_counter() - t:.1f} s)")
        pin, cpus = _pin_one_core()
        t = time.perf_counter()
        if args.standin:
            from scan_quality import standin_detector

            detect: Callable[[str], object] = standin_detector()
            print("NOTE: --standin: timing a toy regex detector, not medveil.detect")
        else:
            from medveil.detect import Detector

            detect = Detector().detect
        build = time.perf_counter() - t
        detect("warm-up 2024-03-05 张伟 13800138000")
        res = time_detect(shards, detect, args.max_seconds)
        res.update({"build_seconds": build, "affinity": pin})
        out["notes"] = res
        print(f"detect: {res['notes']} notes, {res['bytes'] / 1e6:.1f} MB in "
              f"{res['seconds']:.1f} s, {pin}; Detector() built in {build * 1000:.0f} ms")
        if res["subset"]:
            print(f"  (stopped after --max-seconds; extrapolated to {total / 1e6:.0f} MB: "
                  f"{total / 1e6 / res['mb_per_s']:.0f} s)")
        for lang, r in res["per_language"].items():
            print(f"  {lang}: {r['mb_per_s']:.2f} MB/s ({r['bytes'] / 1e6:.1f} MB, "
                  f"{r['notes']} notes)")
        ratio = res["mb_per_s"] / TARGET_MBPS
        print(f"  throughput {res['mb_per_s']:.2f} MB/s per core; target >= {TARGET_MBPS:.0f}: "
              f"ratio {ratio:.2f}x {'PASS' if ratio >= 1 else 'FAIL'}")
        for shard in shards:
            shard.unlink()
        if cpus is not None:  # the classification subprocess must not inherit the pinning
            os.sched_setaffinity(0, cpus)

        if args.csv_gb <= 0:
            print("csv: skipped (--csv-gb 0)")
        elif (why := _classify_missing()) is not None:
            print(f"csv: skipped (medveil.classify.classify_table_file unavailable: {why})")
        else:
            path = tmpdir / "export.csv"
            t = time.perf_counter()
            rows = write_csv(path, args.csv_gb)
            size = path.stat().st_size
            print(f"\ncsv: wrote {size / 1e9:.2f} GB, {rows:,} rows, {len(CSV_COLUMNS)} columns "
                  f"({time.perf_counter() - t:.1f} s)")
            c = time_classify(path)
            c.update({"bytes": size, "rows": rows})
            out["csv"] = c
            print(f"classify_table_file: {c['seconds']:.1f} s, peak RSS "
                  f"{c['peak_bytes'] / 1e6:.0f} MB (after imports "
                  f"{c['import_peak_bytes'] / 1e6:.0f} MB), rows_total {c.get('rows_total')}")
            t_ratio = TARGET_CSV_SECONDS / c["seconds"] * size / 1e9
            m_ratio = TARGET_CSV_PEAK / c["peak_bytes"]
            print(f"  time per GB {c['seconds'] / (size / 1e9):.1f} s; target < "
                  f"{TARGET_CSV_SECONDS:.0f} s: ratio {t_ratio:.2f}x "
                  f"{'PASS' if t_ratio > 1 else 'FAIL'}")
            print(f"  peak {c['peak_bytes'] / 1e6:.0f} MB; target < 1000 MB: ratio {m_ratio:.2f}x "
                  f"{'PASS' if m_ratio > 1 else 'FAIL'}")
            for col, want in CSV_COLUMNS.items():
                got = c["columns"].get(col, "<missing>")
                flag = "" if want == "?" or got == want else "   <-- expected " + str(want)
                print(f"    {col:<10} {got}{flag}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
