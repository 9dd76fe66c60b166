//! Every limit of the engine, in one place: the checker refuses a journey past one, with a code,
//! before anything runs; docs/language.md ("Limits") lists them for users.

/// Stages of a journey (J3007).
pub const MAX_STAGES: usize = 32;

/// Stages of an `order any` journey (J3012): its search tries every set of the stages after the
/// first, 2^12 sets per entry.
pub const MAX_ANY_STAGES: usize = 13;

/// Distinct rules of a journey (J3011): each is one bit of a row's 64-bit mask.
pub const MAX_RULES: usize = 64;

/// The count of an `at least N times` (J3004): far more than any real history, and it keeps the
/// per-contact counters small.
pub const MAX_TIMES: i64 = 1_000_000;

/// The compiled size of a `matches` pattern (J2002): enough for patterns such as `\w+\s+\w+`
/// (100 KiB) and `^/blog/\d{4}/\d{2}/[\w-]+$` (80 KiB), not for `a{100}{100}` (320 KiB, 0.45 s
/// per 20 KB URL). The regex engine is linear in the text, but also in the pattern's states,
/// per activity.
pub const REGEX_SIZE_LIMIT: usize = 256 << 10;

/// Threads and partitions of a run (`--partitions`): more only cost memory, as every partition
/// has its own buffers, and tens of thousands of threads cannot even be started.
pub const MAX_PARTITIONS: i64 = 256;
