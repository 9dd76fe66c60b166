//! The registry of diagnostic codes. Each code has a one-line title and a Markdown page in
//! `docs/errors/<CODE>.md` (compiled in, for `journey explain-error`). A test checks that the
//! codes are unique, that each is documented, and that each page's example triggers its code.

pub struct CodeInfo {
    pub code: &'static str,
    pub title: &'static str,
    pub doc: &'static str,
}

macro_rules! codes {
    ($($code:literal => $title:literal,)*) => {
        pub const CODES: &[CodeInfo] = &[
            $(CodeInfo {
                code: $code,
                title: $title,
                doc: include_str!(concat!("../../docs/errors/", $code, ".md")),
            },)*
        ];
    };
}

codes! {
    "J0001" => "unexpected text",
    "J0002" => "unterminated string",
    "J0003" => "unknown keyword",
    "J0004" => "invalid escape in a string",
    "J0005" => "invalid date or timestamp",
    "J0006" => "unknown time unit",
    "J0007" => "unclosed block",
    "J0008" => "nesting too deep",
    "J0009" => "file contains no journey",
    "J0010" => "number too large",
    "J0011" => "file is not UTF-8 text",
    "J0012" => "journey file cannot be read",
    "J1001" => "duplicate stage name",
    "J1002" => "unknown stage name",
    "J1003" => "stage number out of range",
    "J1004" => "duplicate journey name",
    "J1005" => "unknown segment",
    "J1006" => "option given twice",
    "J1007" => "stage without a condition",
    "J1008" => "journey without stages",
    "J1009" => "empty name",
    "J1010" => "option in the wrong place",
    "J2001" => "condition without a positive rule",
    "J2002" => "invalid or too large regular expression",
    "J2003" => "`not` where it cannot apply",
    "J2004" => "comparison value of the wrong kind",
    "J2005" => "`at least` must count single activities",
    "J2006" => "empty group",
    "J2007" => "exclusion must match single activities",
    "J2008" => "empty list",
    "J3001" => "KPI must be a positive whole number",
    "J3002" => "duration must be positive",
    "J3003" => "period ends before it starts",
    "J3004" => "`at least` count must be at least 1",
    "J3005" => "stage window or gap on the first stage",
    "J3006" => "exclusion range goes backwards",
    "J3007" => "too many stages",
    "J3008" => "duration too long",
    "J3009" => "stage window or gap with `order any`",
    "J3010" => "first stage cannot be optional",
    "J3011" => "too many distinct rules",
    "J3012" => "too many stages for `order any`",
    "J3013" => "exclusion with `order any` not from stage 1",
    "J3014" => "minimum gap longer than a window",
    "J4001" => "column not in the data",
    "J4002" => "column of the wrong type",
    "J4003" => "no data",
    "J4004" => "unsupported or mixed data formats",
    "J4005" => "invalid journey.toml",
    "J4006" => "data path cannot be read",
    "J4007" => "column types conflict across files",
    "J4008" => "column missing from some files",
    "J4009" => "object store settings or credentials",
    "J4010" => "object store refused or failed",
    "J5001" => "data cannot be read",
    "J5002" => "value is not a timestamp",
    "J5003" => "cannot write the output",
    "J5004" => "row without a contact",
    "J5005" => "internal error",
    "J5006" => "memory limit reached",
    "J5007" => "the cluster cannot run the journeys",
    "J6001" => "test of an unknown journey",
    "J6002" => "unknown or repeated contact in a test",
    "J6003" => "activity a test cannot hold",
    "J6004" => "test without contacts or expectations",
    "J6005" => "expectation that does not fit the journey",
    "J6006" => "duplicate test name",
    "W0001" => "KPI larger than the previous stage's",
    "W0002" => "stage window has no effect",
    "W0003" => "same condition in consecutive stages",
    "W0004" => "segments go backwards",
    "W0005" => "page matched exactly, `*` included",
    "W0006" => "a `where` contradicts its rule",
    "W0007" => "test field the journey never reads",
    "W1001" => "stage matched no activity",
    "W1002" => "rule matched no activity",
    "W1003" => "exclusion matched no activity",
    "W1004" => "no activity type of the journey in the data",
    "W1005" => "column read as NULL in some files",
}

pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    let code = code.trim().to_ascii_uppercase();
    CODES.iter().find(|c| c.code == code)
}
