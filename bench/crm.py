"""The benchmark's second shape: an export the way a CRM writes it (docs/performance.md).

    python bench/crm.py ROWS CONTACTS OUT.parquet

Most rows are page visits whose URLs are long and carry UTM query strings, so the rules on them
must use `contains` (bench/crm.journey); rows are in activity-id order, one a few seconds after
the other over a year, with the contacts interleaved as they come. Ten row groups per 10M rows,
zstd, every string column dictionary-encoded (a few thousand distinct URLs). Written by DuckDB, so
nothing of journey's own writer is assumed. Deterministic: the same arguments give the same rows.
"""

import sys

import duckdb

PAGES = 120
SOURCES = ["google", "facebook", "linkedin", "newsletter"]
MEDIUMS = ["cpc", "social", "email"]
CAMPAIGNS = ["smb-spring", "smb-summer", "retail-autumn", "brand"]


def sql(rows, contacts, out):
    # A week of rows (the export spans a year), and as many contacts active in it as make each
    # take rows / contacts of them.
    window = max(rows // 52, 1)
    slots = max(window * contacts // rows, 1)
    def pick(values, h):
        return "[" + ", ".join(f"'{v}'" for v in values) + f"][{h} % {len(values)} + 1]"

    # Page 0 is the campaign page and page 1 the case study's download page; the rest is the site.
    page = f"""CASE page_hash % {PAGES}
        WHEN 0 THEN '/campaign-pages/smb-loan-campaign'
        WHEN 1 THEN '/campaign-assets/downloadables/download-smb-case-study'
        ELSE '/' || ['loans', 'cards', 'savings', 'about', 'blog', 'help'][page_hash % 6 + 1]
             || '/articles/' || (page_hash % {PAGES})::VARCHAR || '-how-to-choose-the-right-account'
      END"""
    url = f"""'https://www.kbank.example' || {page}
      || '?utm_source=' || {pick(SOURCES, 'h4')}
      || '&utm_medium=' || {pick(MEDIUMS, 'h5')}
      || '&utm_campaign=' || {pick(CAMPAIGNS, 'h6')}"""
    return f"""
COPY (
  WITH r AS (
    SELECT i,
      (hash(i * 4 + 1) % 1000000007)::BIGINT AS h1, (hash(i * 4 + 2) % 1000000007)::BIGINT AS h2, (hash(i * 4 + 3) % 1000000007)::BIGINT AS h3,
      (hash(i * 8 + 5) % 1000000007)::BIGINT AS h4, (hash(i * 8 + 6) % 1000000007)::BIGINT AS h5, (hash(i * 8 + 7) % 1000000007)::BIGINT AS h6
    FROM range({rows}) t(i)
  ),
  placed AS (
    -- A contact's activities fall within one week (a window of rows), interleaved with those of
    -- the others active that week: each row of a window takes one of its contacts in turn.
    SELECT *, (hash((i // {window}) * {slots} + i % {slots}) % {contacts} + 1)::BIGINT AS contact
    FROM r
  ),
  typed AS (
    SELECT *, CASE
        -- One contact in five is a prospect, mostly walking the loan funnel's steps.
        WHEN contact % 5 = 0 AND h2 % 100 < 60 THEN
          ['campaign', 'bizformsubmit', 'emailclick', 'sample-file-download', 'download', 'bizformsubmit'][h3 % 6 + 1]
        WHEN h2 % 100 < 86 THEN 'pagevisit'
        WHEN h2 % 100 < 90 THEN 'landingpage'
        WHEN h2 % 100 < 94 THEN 'emailopen'
        WHEN h2 % 100 < 96 THEN 'emailclick'
        WHEN h2 % 100 < 98 THEN 'bizformsubmit'
        WHEN h2 % 100 < 99 THEN 'sample-file-download'
        ELSE 'purchase'
      END AS step
    FROM placed
  ),
  stepped AS (
    SELECT *,
      CASE WHEN step IN ('campaign', 'download') THEN 'pagevisit' ELSE step END AS activity_type,
      CASE step WHEN 'campaign' THEN 0 WHEN 'download' THEN 1 ELSE h3 END AS page_hash,
      CASE WHEN step = 'bizformsubmit' AND contact % 5 = 0 THEN h3 % 6 // 5 ELSE h3 % 4 END AS form_pick,
      CASE WHEN step = 'emailclick' AND contact % 5 = 0 THEN 0 ELSE h3 % 3 END AS email_pick
    FROM typed
  )
  SELECT
    i + 1 AS activity_id,
    contact AS contact_id,
    make_timestamptz(1735689600000000 + i * {31_536_000_000_000 // rows}) AS activity_created,
    activity_type,
    CASE WHEN activity_type IN ('pagevisit', 'landingpage') THEN {url} END AS url,
    CASE WHEN activity_type IN ('pagevisit', 'landingpage') THEN 'web'
         WHEN activity_type IN ('emailopen', 'emailclick') THEN 'email' ELSE 'web' END AS channel,
    CASE WHEN activity_type = 'bizformsubmit'
         THEN ['loan-for-small-businesses', 'small-business-loan', 'newsletter-signup', 'contact-us'][form_pick + 1]
    END AS form,
    CASE WHEN activity_type IN ('emailopen', 'emailclick')
         THEN ['smb-kbank-jumpstart-loan', 'monthly-digest', 'card-offer'][email_pick + 1]
    END AS email,
    CASE WHEN activity_type = 'purchase' THEN (h3 % 5000)::VARCHAR END AS value,
    CAST(NULL AS VARCHAR) AS title,
    CASE WHEN activity_type IN ('pagevisit', 'landingpage') THEN {pick(SOURCES, 'h4')} END AS utm_source,
    ['desktop', 'mobile', 'tablet'][h5 % 3 + 1] AS device
  FROM stepped
  ORDER BY i
) TO '{out}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
"""


def main():
    rows, contacts, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": True})
    con.execute("SET enable_progress_bar = false")
    con.execute(sql(rows, contacts, out))


if __name__ == "__main__":
    main()
