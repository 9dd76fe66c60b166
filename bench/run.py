"""The comparison benchmark (docs/performance.md): journey, DuckDB, ClickHouse (chdb) and a plain
DataFusion scan, side by side on the same Parquet export, in one run.

Run through bench/run.sh, which builds the binaries, makes the virtualenv and the data. Each tool
runs as its own process, timed with /usr/bin/time (wall time, peak RSS). DuckDB's per-stage counts
must equal journey's, for the journey and for its `order strict` form, or the benchmark fails.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOURNEY = os.path.join(ROOT, "target/bench-fast/journey")
SCAN = os.path.join(ROOT, "target/bench-fast/examples/scan")
BENCH_JOURNEY = os.path.join(ROOT, "bench/bench.journey")
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WINDOW_US = 30 * 86_400 * 1_000_000

# Each shape's journey and its stage rules as SQL (the journey's default column mapping). A file
# named crm-*.parquet is the CRM shape (bench/crm.py), any other the `journey sample` shape.
PAGE = "activity_type IN ('pagevisit', 'landingpage')"
SHAPES = {
    "sample": (BENCH_JOURNEY, [
        f"{PAGE} AND url = '/campaign-pages/smb-loan-campaign'",
        "activity_type = 'bizformsubmit' AND form = 'loan-for-small-businesses'",
        "activity_type = 'emailclick' AND email = 'smb-kbank-jumpstart-loan'",
        "activity_type = 'sample-file-download'",
        f"{PAGE} AND url = '/campaign-assets/downloadables/download-smb-case-study'",
        "activity_type = 'bizformsubmit' AND form = 'small-business-loan'",
    ]),
    "crm": (os.path.join(ROOT, "bench/crm.journey"), [
        f"{PAGE} AND contains(url, '/campaign-pages/smb-loan-campaign')",
        "activity_type = 'bizformsubmit' AND form = 'loan-for-small-businesses'",
        "activity_type = 'emailclick' AND email = 'smb-kbank-jumpstart-loan'",
        "activity_type = 'sample-file-download'",
        f"{PAGE} AND contains(url, 'download-smb-case-study')",
        "activity_type = 'bizformsubmit' AND form = 'small-business-loan'",
    ]),
}


def shape_of(path):
    return "crm" if os.path.basename(path).startswith("crm-") else "sample"


def any_stage(stages):
    return " OR ".join(f"({s})" for s in stages)


def duckdb_sql(path, stages):
    """The same funnel in DuckDB: every stage-1 activity starts an attempt, ASOF joins take the
    next activity of each following stage in the activity order (time, then id), and a contact's
    depth is its best attempt's within the 30-day window. Each row matches one stage at most, so
    the earliest next activity is always the best choice."""
    case = " ".join(f"WHEN {s} THEN {i + 1}" for i, s in enumerate(stages))
    joins = []
    prev = "s1"
    for k in range(2, 7):
        joins.append(
            f"j{k} AS (SELECT p.*, x.t AS t{k}, x.ord AS o{k} FROM {prev} p "
            f"ASOF LEFT JOIN (SELECT c, t, ord FROM o WHERE s = {k}) x "
            f"ON p.c = x.c AND x.ord > p.o{k - 1})"
        )
        prev = f"j{k}"
    depth = " ".join(
        f"WHEN t{k} - t1 <= {WINDOW_US} THEN {k}" for k in range(6, 1, -1)
    )
    counts = ", ".join(f"count(*) FILTER (WHERE depth >= {k})" for k in range(1, 7))
    return f"""
WITH m AS (
  SELECT contact_id AS c, epoch_us(activity_created) AS t, activity_id AS id, CASE {case} END AS s
  FROM read_parquet('{path}') WHERE {any_stage(stages)}
),
o AS (SELECT c, t, s, row_number() OVER (ORDER BY t, id) AS ord FROM m),
s1 AS (SELECT c, t AS t1, ord AS o1 FROM o WHERE s = 1),
{", ".join(joins)},
d AS (SELECT c, max(CASE {depth} ELSE 1 END) AS depth FROM j6 GROUP BY c)
SELECT {counts} FROM d
"""


def duckdb_strict_sql(path, stages):
    """`order strict` in DuckDB: a chain's stages are the contact's very next activities, so
    each stage-1 activity's attempt reaches stage k when the k-1 activities after it, in the
    contact's activity order (time, then id), match stages 2..k, the last within the window. One
    window over every row sorted by contact: LEAD gives the next five."""
    case = " ".join(f"WHEN {s} THEN {i + 1}" for i, s in enumerate(stages))
    leads = ", ".join(f"lead(s, {k}) OVER w AS s{k + 1}, lead(t, {k}) OVER w AS t{k + 1}"
                      for k in range(1, 6))
    reach = " + ".join(
        "(" + " AND ".join(f"s{j} IS NOT DISTINCT FROM {j}" for j in range(2, k + 1))
        + f" AND t{k} - t <= {WINDOW_US})::INT" for k in range(2, 7))
    counts = ", ".join(f"count(*) FILTER (WHERE depth >= {k})" for k in range(1, 7))
    return f"""
WITH m AS (
  SELECT contact_id AS c, epoch_us(activity_created) AS t, activity_id AS id,
         CASE {case} END AS s
  FROM read_parquet('{path}') WHERE contact_id IS NOT NULL AND activity_created IS NOT NULL
),
n AS (SELECT c, t, s, {leads} FROM m WINDOW w AS (PARTITION BY c ORDER BY t, id)),
d AS (SELECT c, max(1 + {reach}) AS depth FROM n WHERE s = 1 GROUP BY c)
SELECT {counts} FROM d
"""


def strict_journey(directory, journey):
    """The shape's journey under `order strict`: every row in scope reaches the chain search."""
    text = re.sub(r"(?m)^([ \t]*)within 30 days[ \t]*$", r"\g<0>\n\1order strict", open(journey).read(), count=1)
    p = os.path.join(directory, "strict.journey")
    with open(p, "w") as f:
        f.write(text)
    return p


def chdb_sql(path, stages):
    # ClickHouse spells `contains` as position() > 0.
    stages = [re.sub(r"contains\((\w+), ('[^']*')\)", r"position(\1, \2) > 0", s) for s in stages]
    conds = ", ".join(stages)
    counts = ", ".join(f"countIf(level >= {k})" for k in range(1, 7))
    return f"""
SELECT {counts} FROM (
  SELECT contact_id, windowFunnel({WINDOW_US})(toUInt64(toUnixTimestamp64Micro(activity_created)), {conds}) AS level
  FROM file('{path}', Parquet) WHERE {any_stage(stages)} GROUP BY contact_id
) WHERE level >= 1
SETTINGS max_threads = {THREADS}
"""


PY_DUCKDB = """
import duckdb, json, sys
con = duckdb.connect(config={{'threads': {threads}}})
con.execute("SET enable_progress_bar = false")
print(json.dumps(list(con.execute(sys.stdin.read()).fetchall()[0])))
"""

PY_CHDB = """
import chdb, json, sys
res = chdb.query(sys.stdin.read(), 'JSONCompact')
print(json.dumps([int(x) for x in json.loads(res.bytes())['data'][0]]))
"""


def timed(cmd, stdin=None, env=None):
    """Run a command under /usr/bin/time: (stdout, wall seconds, peak RSS MiB)."""
    with tempfile.NamedTemporaryFile(mode="r") as t:
        p = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", t.name] + cmd,
            input=stdin,
            capture_output=True,
            text=True,
            env=None if env is None else {**os.environ, **env},
        )
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
        wall, rss = t.read().split()[-2:]
    return p.stdout, float(wall), int(rss) / 1024


def journey_run(path, journeys, threads=THREADS):
    """`journey run` of the journeys: the command, its stdin and its environment's additions."""
    return ([JOURNEY, "run", *journeys, "--data", path, "--format", "json",
             "--partitions", str(threads)], None, None)


def duckdb_run(sql):
    return ([sys.executable, "-c", PY_DUCKDB.format(threads=THREADS)], sql, None)


def tools(path, journeys, stages):
    """Per tool: the command, its stdin, and its environment's additions."""
    py = sys.executable
    scan = ("SELECT count(contact_id), max(activity_created), max(activity_id) "
            f"FROM activities WHERE {any_stage(stages)}")
    return {
        "journey": journey_run(path, journeys),
        "duckdb": duckdb_run(duckdb_sql(path, stages)),
        "chdb": ([py, "-c", PY_CHDB.format(threads=THREADS)], chdb_sql(path, stages), None),
        "datafusion scan": ([SCAN, path, str(THREADS)], None, {"SCAN_QUERY": scan}),
    }


def measure(tool, runs):
    """A tool's runs: (median wall seconds, peak RSS MiB, the last run's output)."""
    cmd, stdin, env = tool
    times, rss = [], []
    for _ in range(runs):
        out, wall, mem = timed(cmd, stdin, env)
        times.append(wall)
        rss.append(mem)
    return statistics.median(times), max(rss), out


def counts_of(name, out):
    if name == "journey":
        r = json.loads(out)
        r = r if isinstance(r, list) else [r]
        return [s["reached"] for s in r[0]["stages"]]
    if name in ("duckdb", "chdb"):
        return json.loads(out.strip().splitlines()[-1])
    return None


def twenty_journeys(directory, journey):
    """20 different journeys: the benchmark funnel with other windows and stage subsets."""
    text = open(journey).read()
    paths = []
    for i in range(20):
        body = text.replace("within 30 days", f"within {10 + i} days").replace(
            'journey "Benchmark: small business loan', f'journey "Variant {i + 1}'
        )
        if i % 2:
            body = body.replace('  stage "Clicked link in case study email"', '  # skipped', 1)
        p = os.path.join(directory, f"v{i + 1:02}.journey")
        with open(p, "w") as f:
            f.write(body)
        paths.append(p)
    return paths


def main():
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    results = {}
    for path in sys.argv[1:]:
        rows = int(subprocess.run(
            [sys.executable, "-c",
             f"import duckdb; print(duckdb.connect().execute(\"select count(*) from read_parquet('{path}')\").fetchall()[0][0])"],
            capture_output=True, text=True, check=True).stdout)
        print(f"\n## {os.path.basename(path)}: {rows:,} rows, {THREADS} threads, median of {runs}\n")
        table = {}
        counts = {}
        journey, stages = SHAPES[shape_of(path)]
        with tempfile.TemporaryDirectory() as d:
            runs_of = dict(tools(path, [journey], stages))
            runs_of["journey, 20 journeys"] = journey_run(path, twenty_journeys(d, journey))
            # The same journey on one thread: what the second thread brings.
            runs_of["journey, 1 thread"] = journey_run(path, [journey], threads=1)
            # `order strict`: every row in scope goes to the chain search; DuckDB sorts them all.
            runs_of["journey, order strict"] = journey_run(path, [strict_journey(d, journey)])
            runs_of["duckdb, order strict"] = duckdb_run(duckdb_strict_sql(path, stages))
            for name, tool in runs_of.items():
                wall, rss, out = measure(tool, runs)
                # The 20 journeys' first is a variant, not the benchmark's journey.
                if name != "journey, 20 journeys":
                    counts[name] = counts_of(name.split(",")[0], out)
                table[name] = (wall, rss)
        base = table["journey"][0]
        print("| tool | median wall | rows/s | peak RSS | journey / tool |")
        print("|---|---|---|---|---|")
        for name, (wall, rss) in table.items():
            rss_text = f"{rss:,.0f} MiB" if rss else "–"
            print(f"| {name} | {wall:.2f} s | {rows / wall / 1e6:,.1f} M | {rss_text} | {base / wall:.2f} |")
        print()
        for name, c in counts.items():
            if c is not None:
                print(f"- {name} per-stage counts: {c}")
        for suffix in ("", ", order strict"):
            d, j = counts["duckdb" + suffix], counts["journey" + suffix]
            if d != j:
                sys.exit(f"DuckDB's counts{suffix} {d} differ from journey's {j}")
        if counts["journey, 1 thread"] != counts["journey"]:
            sys.exit(f"journey's counts on one thread {counts['journey, 1 thread']} differ")
        print("- DuckDB's counts equal journey's, for the journey and for its `order strict` form.")
        print(f"- journey: 2 threads are {table['journey, 1 thread'][0] / base:.2f}x as fast as 1; "
              f"`order strict` / DuckDB's: {table['journey, order strict'][0] / table['duckdb, order strict'][0]:.2f}")
        if counts["chdb"] != counts["journey"]:
            print("- chdb's windowFunnel differs (see docs/performance.md for why).")
        results[path] = (rows, table)
    by_shape = {}
    for path, (rows, table) in results.items():
        by_shape.setdefault(shape_of(path), []).append((rows, table))
    for shape, sizes in by_shape.items():
        if len(sizes) >= 2:
            (r1, t1), (r2, t2) = sorted(sizes, key=lambda x: x[0])[:2]
            growth = t2["journey"][0] / t1["journey"][0]
            print(f"\n{shape}: journey time grows {growth:.2f}x for {r2 / r1:.1f}x the rows.")


if __name__ == "__main__":
    main()
