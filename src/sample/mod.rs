//! `journey sample`: a deterministic generator of Kentico-like activity exports in which the
//! example journeys are meaningful — a campaign that a decreasing share of contacts follows step
//! by step, mostly in order, with delays, repeats, out-of-order events, unsubscribes and plenty
//! of background traffic. The same options always give the same rows.

mod stream;
mod write;

pub use write::{write, Writer};

use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

pub struct Options {
    pub rows: usize,
    pub contacts: usize,
    pub seed: u64,
}

/// SplitMix64: tiny, fast and the same on every platform and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An exponentially distributed delay with the given mean, in microseconds.
    fn delay(&mut self, mean_hours: f64) -> i64 {
        let u = self.f().max(1e-12);
        (-u.ln() * mean_hours * 3600.0 * 1e6) as i64
    }
}

#[derive(Default, Clone, PartialEq, Debug)]
struct Activity {
    contact: i64,
    time: i64,
    kind: &'static str,
    url: Option<String>,
    channel: Option<&'static str>,
    form: Option<&'static str>,
    email: Option<&'static str>,
    value: Option<String>,
    title: Option<&'static str>,
    utm_source: Option<&'static str>,
    device: Option<&'static str>,
}

/// The campaign runs from 2025-09-01 for 13 weeks.
const START: i64 = 1_756_684_800_000_000;
const DAY: i64 = 86_400_000_000;
const SPAN_DAYS: i64 = 91;

const CAMPAIGN: &str = "/campaign-pages/smb-loan-campaign";
const DOWNLOAD_PAGE: &str = "/campaign-assets/downloadables/download-smb-case-study";
const EMAIL: &str = "smb-kbank-jumpstart-loan";
const PAGES: &[&str] = &[
    "/",
    "/business",
    "/business/loans",
    "/business/accounts",
    "/personal",
    "/personal/cards",
    "/pricing",
    "/contact",
    "/blog/cash-flow-basics",
    "/blog/hiring-your-first-employee",
    "/blog/small-business-taxes",
];
const SOURCES: &[&str] = &["google", "newsletter", "linkedin", "direct", "partner"];
const DEVICES: &[&str] = &["desktop", "mobile", "tablet"];

struct Gen {
    rng: Rng,
    out: Vec<Activity>,
    /// Activities already handed over (spilled) before `out`.
    flushed: usize,
    /// Spill when `out` holds this many.
    chunk: usize,
}

impl Gen {
    fn visit(&mut self, contact: i64, time: i64, url: &str, channel: &'static str) {
        let kind = if url == CAMPAIGN && self.rng.chance(0.3) {
            "landingpage"
        } else {
            "pagevisit"
        };
        let source = self.rng.pick(SOURCES);
        let device = self.rng.pick(DEVICES);
        self.out.push(Activity {
            contact,
            time,
            kind,
            url: Some(url.to_string()),
            channel: Some(channel),
            title: Some("Kbank"),
            utm_source: Some(source),
            device: Some(device),
            ..Default::default()
        });
    }

    fn form(&mut self, contact: i64, time: i64, form: &'static str) {
        self.out.push(Activity {
            contact,
            time,
            kind: "bizformsubmit",
            form: Some(form),
            channel: Some("business-banking"),
            ..Default::default()
        });
    }

    fn email(&mut self, contact: i64, time: i64, kind: &'static str, url: Option<String>) {
        self.out.push(Activity {
            contact,
            time,
            kind,
            email: Some(EMAIL),
            url,
            ..Default::default()
        });
    }

    fn custom(&mut self, contact: i64, time: i64, kind: &'static str, value: Option<String>) {
        self.out.push(Activity {
            contact,
            time,
            kind,
            value,
            ..Default::default()
        });
    }

    /// A contract signed in a branch or online.
    fn signed(&mut self, contact: i64, time: i64) {
        let channel = if self.rng.chance(0.5) {
            "branch"
        } else {
            "online"
        };
        self.out.push(Activity {
            contact,
            time,
            kind: "contract-signed",
            channel: Some(channel),
            ..Default::default()
        });
    }

    /// One contact of the campaign: each step taken by a decreasing share, mostly in order.
    fn campaign(&mut self, c: i64) {
        let r = &mut self.rng;
        let mut t =
            START + r.below((SPAN_DAYS - 20) as u64) as i64 * DAY + r.below(DAY as u64) as i64;
        self.visit(c, t, CAMPAIGN, "business-banking");
        if self.rng.chance(0.25) {
            // Came back to the campaign page later: a second stage-1 activity.
            let again = t + self.rng.delay(96.0);
            self.visit(c, again, CAMPAIGN, "business-banking");
        }
        if !self.rng.chance(0.32) {
            return;
        }
        t += self.rng.delay(30.0);
        self.form(c, t, "loan-for-small-businesses");
        if self.rng.chance(0.04) {
            let u = t + self.rng.delay(20.0);
            self.form(c, u, "unsubscribe");
        }
        if !self.rng.chance(0.4) {
            return;
        }
        t += self.rng.delay(36.0);
        let url = format!("https://kbank.example{DOWNLOAD_PAGE}?utm_campaign=smb");
        self.email(c, t, "emailclick", Some(url));
        if !self.rng.chance(0.8) {
            return;
        }
        t += self.rng.delay(2.0);
        self.custom(
            c,
            t,
            "sample-file-download",
            Some("download-smb-case-study.pdf".into()),
        );
        if !self.rng.chance(0.85) {
            return;
        }
        // Usually right after the download; sometimes much later (outside the 7-day stage window).
        t += if self.rng.chance(0.9) {
            self.rng.delay(6.0)
        } else {
            8 * DAY + self.rng.delay(72.0)
        };
        self.visit(c, t, DOWNLOAD_PAGE, "business-banking");
        if !self.rng.chance(0.65) {
            return;
        }
        t += self.rng.delay(120.0);
        self.form(c, t, "small-business-loan");
        if self.rng.chance(0.5) {
            let u = t + self.rng.delay(200.0);
            self.signed(c, u);
        }
    }

    /// Contacts of the See-Think-Do-Care journey: a campaign touch, repeated reading, sign-up,
    /// engagement with the offer, an offer request and, for some, a contract.
    fn lifecycle(&mut self, c: i64) {
        let mut t = START
            + self.rng.below((SPAN_DAYS - 30) as u64) as i64 * DAY
            + self.rng.below(DAY as u64) as i64;
        if self.rng.chance(0.6) {
            self.email(c, t, "emailopen", None);
        } else {
            self.out.push(Activity {
                contact: c,
                time: t,
                kind: "landingpage",
                url: Some(CAMPAIGN.to_string()),
                channel: Some("business-banking"),
                ..Default::default()
            });
        }
        let reads = 1 + self.rng.below(6);
        for _ in 0..reads {
            t += self.rng.delay(40.0);
            self.visit(c, t, "/business/loans", "business-banking");
        }
        if reads < 3 || !self.rng.chance(0.45) {
            return;
        }
        t += self.rng.delay(24.0);
        if self.rng.chance(0.5) {
            self.custom(c, t, "memberregistration", None);
        } else {
            self.form(c, t, "newsletter-business");
        }
        if !self.rng.chance(0.5) {
            return;
        }
        t += self.rng.delay(48.0);
        let amount = 5_000 + self.rng.below(95_000);
        self.custom(c, t, "loan-calculator", Some(format!("{amount}")));
        t += self.rng.delay(24.0);
        self.email(
            c,
            t,
            "emailclick",
            Some("https://kbank.example/business/loans/offer".into()),
        );
        if self.rng.chance(0.06) {
            let u = t + self.rng.delay(24.0);
            self.custom(c, u, "competitor-offer-accepted", None);
        }
        if !self.rng.chance(0.6) {
            return;
        }
        t += self.rng.delay(96.0);
        self.form(c, t, "small-business-loan");
        if self.rng.chance(0.5) {
            t += self.rng.delay(150.0);
            self.signed(c, t);
        }
    }

    /// Background traffic: a random page visit or email open by a random contact.
    fn background(&mut self, contacts: i64) {
        let c = 1 + self.rng.below(contacts as u64) as i64;
        let t = START + self.rng.below((SPAN_DAYS * DAY) as u64) as i64;
        if self.rng.chance(0.12) {
            self.out.push(Activity {
                contact: c,
                time: t,
                kind: "emailopen",
                email: Some("kbank-newsletter"),
                ..Default::default()
            });
        } else {
            let page = self.rng.pick(PAGES);
            let channel = if page.starts_with("/business") {
                "business-banking"
            } else {
                "web"
            };
            self.visit(c, t, page, channel);
        }
    }
}

/// Generate the activities, sorted by time, with activity ids in that order, in memory (the
/// small samples of tests; [`write_sample`] streams any size to a file with the same rows).
pub fn generate(o: &Options) -> RecordBatch {
    let mut g = Gen {
        rng: Rng(o.seed ^ 0x006A_6F75_726E_6579),
        out: Vec::with_capacity(o.rows + 16),
        flushed: 0,
        chunk: usize::MAX,
    };
    g.run(o, &mut |_: &mut Vec<Activity>, _: usize| Ok(()))
        .expect("in memory nothing fails");
    g.out.truncate(o.rows);
    g.out.sort_by_key(|a| (a.time, a.contact));
    batch(&g.out, 1)
}

impl Gen {
    /// Generate every activity in generation order, handing `spill` the rows generated so far
    /// (and their first generation index) whenever there are `CHUNK` or more of them.
    fn run(
        &mut self,
        o: &Options,
        spill: &mut dyn FnMut(&mut Vec<Activity>, usize) -> Result<(), String>,
    ) -> Result<(), String> {
        let contacts = o.contacts.max(1) as i64;
        for c in 1..=contacts {
            if self.total() >= o.rows {
                break;
            }
            let roll = self.rng.f();
            if roll < 0.07 {
                self.campaign(c);
            } else if roll < 0.17 {
                self.lifecycle(c);
            }
            self.maybe_spill(o, spill)?;
        }
        while self.total() < o.rows {
            self.background(contacts);
            self.maybe_spill(o, spill)?;
        }
        Ok(())
    }

    fn total(&self) -> usize {
        self.flushed + self.out.len()
    }

    fn maybe_spill(
        &mut self,
        o: &Options,
        spill: &mut dyn FnMut(&mut Vec<Activity>, usize) -> Result<(), String>,
    ) -> Result<(), String> {
        if self.out.len() < self.chunk {
            return Ok(());
        }
        // Rows past `rows` (in generation order) are never written.
        self.out.truncate(o.rows.saturating_sub(self.flushed));
        let first = self.flushed;
        self.flushed += self.out.len();
        spill(&mut self.out, first)?;
        self.out.clear();
        Ok(())
    }
}

/// Activities generated between two spills to disk: bounds `journey sample`'s memory whatever
/// the number of rows.
const CHUNK: usize = 1 << 19;

/// Write the sample to `path` (its format by its extension), streaming: activities are
/// generated a chunk at a time, each chunk sorted (by time, contact, then generation order, as
/// the in-memory sort is stable) and spilled to a temporary Arrow file, and the chunks merged
/// into the output, written through a temporary file and renamed. The bytes are those of
/// writing [`generate`]'s batch at once.
pub fn write_sample(
    o: &Options,
    path: &std::path::Path,
) -> Result<usize, crate::diagnostics::Diagnostic> {
    stream::write(o, path, CHUNK)
}

pub fn schema() -> Schema {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    Schema::new(vec![
        Field::new("activity_id", DataType::Int64, false),
        Field::new("contact_id", DataType::Int64, false),
        Field::new(
            "activity_created",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("activity_type", DataType::Utf8, false),
        s("url"),
        s("channel"),
        s("form"),
        s("email"),
        s("value"),
        s("title"),
        s("utm_source"),
        s("device"),
    ])
}

/// The rows as the export's columns, activity ids from `first_id`.
fn batch(rows: &[Activity], first_id: i64) -> RecordBatch {
    let strings = |f: &dyn Fn(&Activity) -> Option<&str>| -> ArrayRef {
        Arc::new(StringArray::from_iter(rows.iter().map(f)))
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            first_id..first_id + rows.len() as i64,
        )),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|a| a.contact))),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(rows.iter().map(|a| a.time))
                .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|a| a.kind))),
        strings(&|a| a.url.as_deref()),
        strings(&|a| a.channel),
        strings(&|a| a.form),
        strings(&|a| a.email),
        strings(&|a| a.value.as_deref()),
        strings(&|a| a.title),
        strings(&|a| a.utm_source),
        strings(&|a| a.device),
    ];
    RecordBatch::try_new(Arc::new(schema()), columns).expect("columns match the schema")
}
