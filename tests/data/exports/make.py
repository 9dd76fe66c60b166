"""Writes the fixture exports of tests/data/exports/, shaped like real ones (see README.md there).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow pandas
    /tmp/venv/bin/python tests/data/exports/make.py

The files are committed; this script only documents how they were made (and remakes them).
"""

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import random
import shutil
import subprocess

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ["activity_id", "contact_id", "activity_created", "activity_type", "url", "form", "Amount", "utm_source"]


def history(seed=7, contacts=200):
    """About 2,000 activities of `contacts` contacts over September to November 2025."""
    rnd = random.Random(seed)
    rows = []
    for c in range(1, contacts + 1):
        month = rnd.choice([9, 10, 11])
        day = rnd.randint(1, 20)
        t = pd.Timestamp(2025, month, day, rnd.randint(8, 18), rnd.randint(0, 59), tz="UTC")
        steps = [("pagevisit", "/campaign", "", "")]
        if rnd.random() < 0.6:
            steps.append(("bizformsubmit", "", "loan-for-small-businesses", ""))
            if rnd.random() < 0.6:
                steps.append(("emailclick", "", "", ""))
                if rnd.random() < 0.5:
                    steps.append(("bizformsubmit", "", "small-business-loan", str(rnd.choice([49, 99, 150, 250]))))
        for _ in range(rnd.randint(3, 9)):
            steps.insert(rnd.randint(0, len(steps)), ("pagevisit", rnd.choice(["/", "/about", "/blog/x"]), "", ""))
        for kind, url, form, amount in steps:
            t = t + pd.Timedelta(minutes=rnd.randint(5, 60 * 30))
            rows.append([c, t, kind, url, form, amount])
    rows.sort(key=lambda r: (r[1], r[0]))
    out = []
    for i, (c, t, kind, url, form, amount) in enumerate(rows, 1):
        out.append({
            "activity_id": i,
            "contact_id": c,
            "activity_created": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "activity_type": kind,
            "url": url,
            "form": form,
            "Amount": amount,
            "utm_source": rnd.choice(["google", "linkedin", ""]),
        })
    return out


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([r[c] for c in columns])


def csv_text(rows, columns):
    f = io.StringIO()
    w = csv.writer(f, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns])
    return f.getvalue().encode()


def fresh(name):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def month(rows, m):
    return [r for r in rows if r["activity_created"].startswith(f"2025-{m:02d}")]


def main():
    rows = history()

    # Monthly exports with dotted names; Amount is empty all September (the first file), and
    # utm_source only appears in November's file.
    d = fresh("monthly")
    sep, oct_, nov = month(rows, 9), month(rows, 10), month(rows, 11)
    base = COLUMNS[:7]
    write_csv(os.path.join(d, "activities.2025-09.csv"), [dict(r, Amount="") for r in sep], base)
    write_csv(os.path.join(d, "activities.2025-10.csv"), oct_, base)
    write_csv(os.path.join(d, "activities.2025-11.csv"), nov, COLUMNS)
    # The same rows in one file, for the equivalence tests (utm_source empty where absent).
    everything = [dict(r, Amount="") for r in sep] + oct_ + [r for r in nov]
    everything = [dict(r, utm_source=r["utm_source"] if r in nov else "") for r in everything]
    write_csv(os.path.join(HERE, "monthly-all.csv"), everything, COLUMNS)

    # Mixed case and compression: the same three months as .CSV, .csv.gz, .csv.bz2 ...
    d = fresh("compressed")
    parts = [sep, oct_, nov]
    base6 = COLUMNS[:6]
    open(os.path.join(d, "a.2025-09.CSV"), "wb").write(csv_text(parts[0], base6))
    open(os.path.join(d, "b.2025-10.csv.gz"), "wb").write(gzip.compress(csv_text(parts[1][:200], base6), mtime=0))
    open(os.path.join(d, "c.2025-10.csv.bz2"), "wb").write(bz2.compress(csv_text(parts[1][200:], base6)))
    open(os.path.join(d, "d.2025-11.csv.xz"), "wb").write(lzma.compress(csv_text(parts[2][:300], base6)))
    zst = subprocess.run(["zstd", "-q", "-c"], input=csv_text(parts[2][300:], base6), capture_output=True, check=True).stdout
    open(os.path.join(d, "e.2025-11.CSV.ZST"), "wb").write(zst)
    # NDJSON, compressed the same ways.
    d = fresh("ndjson")

    def ndjson(part):
        return "".join(json.dumps({c: r[c] for c in base6}) + "\n" for r in part).encode()

    open(os.path.join(d, "a.ndjson"), "wb").write(ndjson(parts[0]))
    open(os.path.join(d, "b.ndjson.gz"), "wb").write(gzip.compress(ndjson(parts[1]), mtime=0))
    open(os.path.join(d, "c.jsonl.zst"), "wb").write(
        subprocess.run(["zstd", "-q", "-c"], input=ndjson(parts[2]), capture_output=True, check=True).stdout)
    write_csv(os.path.join(HERE, "six-columns.csv"), sep + oct_ + nov, base6)

    # A hive-partitioned Parquet export written by pandas: one folder per month, a column that
    # is all None in one month (Arrow type `null`), and Spark's marker files.
    d = fresh("hive")
    for m, part in [(9, sep), (10, oct_), (11, nov)]:
        df = pd.DataFrame(part)[COLUMNS[:6] + ["Amount"]]
        df["activity_created"] = pd.to_datetime(df["activity_created"], utc=True)
        df["Amount"] = [float(a) if a else None for a in df["Amount"]]
        if m == 9:
            df["Amount"] = None  # pandas writes an all-None column as type `null`
        sub = os.path.join(d, f"month=2025-{m:02d}")
        os.makedirs(sub)
        table = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table, os.path.join(sub, "part-0.parquet"))
        open(os.path.join(sub, "_SUCCESS"), "w").close()
    open(os.path.join(d, "_SUCCESS"), "w").close()
    open(os.path.join(d, ".DS_Store"), "w").close()

    # Parquet files where one lacks the form column.
    d = fresh("drift")
    a = pd.DataFrame(sep + oct_)[COLUMNS[:6]]
    b = pd.DataFrame(nov)[COLUMNS[:5]]
    pq.write_table(pa.Table.from_pandas(a, preserve_index=False), os.path.join(d, "2025-09.parquet"))
    pq.write_table(pa.Table.from_pandas(b, preserve_index=False), os.path.join(d, "2025-11.parquet"))

    # Two files whose Amount types do not meet: numbers in one, text in the other.
    d = fresh("conflict")
    write_csv(os.path.join(d, "a.csv"), [dict(r, Amount=r["Amount"] or "10") for r in sep], base)
    write_csv(os.path.join(d, "b.csv"), [dict(r, Amount="n/a") for r in oct_], base)

    # A folder with a symbolic link back to itself and a second link to one of its files.
    d = fresh("loop")
    write_csv(os.path.join(d, "data.csv"), sep, base6)
    os.makedirs(os.path.join(d, "inner"))
    os.symlink("..", os.path.join(d, "inner", "back"))
    os.symlink("data.csv", os.path.join(d, "same-data.csv"))

    # Rows without a contact id; a time format that is not ISO-8601.
    d = fresh("rows")
    bad = [dict(r) for r in sep[:50]]
    bad[6]["contact_id"] = ""
    bad[20]["contact_id"] = ""
    write_csv(os.path.join(d, "null-contact.csv"), bad, base6)
    dotted = [dict(r, activity_created=pd.Timestamp(r["activity_created"]).strftime("%d.%m.%Y %H:%M:%S")) for r in sep[:50]]
    write_csv(os.path.join(d, "german-times.csv"), dotted, base6)
    write_csv(os.path.join(d, "iso-times.csv"), sep[:50], base6)
    with open(os.path.join(d, "german.toml"), "w") as f:
        f.write('[time]\nformat = "%d.%m.%Y %H:%M:%S"\n')
    # A contact id that is text only after the rows a CSV reader takes its types from.
    late = [dict(r) for r in (sep + oct_ + nov)[:1300]]
    late[1199]["contact_id"] = "C-1200"
    write_csv(os.path.join(d, "late-text-id.csv"), late, base6)
    open(os.path.join(d, "empty.csv"), "w").close()
    write_csv(os.path.join(d, "header-only.csv"), [], base6)

    # The export of a site whose activity types are not Kentico's defaults.
    d = fresh("unmapped")
    names = {"pagevisit": "PageVisit", "bizformsubmit": "FormSubmit", "emailclick": "EmailClick"}
    write_csv(os.path.join(d, "export.csv"), [dict(r, activity_type=names.get(r["activity_type"], r["activity_type"])) for r in sep], base6)


if __name__ == "__main__":
    main()
