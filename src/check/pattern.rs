//! `like` patterns (`visited page like "/blog/*"`, `url like "…"`): `*` is any text (none
//! included), `?` exactly one character, every other character itself — no escapes, so `?` in
//! a URL pattern also matches a literal `?`. A pattern matches the whole value, case-sensitive.
//!
//! One meaning, three uses: the lowering turns a pattern into the cheapest exact test
//! ([`shape`]), the checker and the "matched nothing" report test values with [`matches`].

/// A pattern as the cheapest test that means the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// No wildcard: the value equals the text.
    Exact(String),
    /// `text*`.
    Prefix(String),
    /// `*text`.
    Suffix(String),
    /// `*text*` (`*` alone: any value).
    Contains(String),
    /// Anything else, as an anchored regular expression.
    Regex(String),
}

pub fn shape(pattern: &str) -> Shape {
    // Runs of `*` mean what one does.
    let mut collapsed = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if !(c == '*' && collapsed.ends_with('*')) {
            collapsed.push(c);
        }
    }
    let p = collapsed.as_str();
    let plain = |s: &str| !s.contains(['*', '?']);
    if plain(p) {
        return Shape::Exact(p.to_string());
    }
    if p == "*" {
        return Shape::Contains(String::new());
    }
    let inner = p.strip_prefix('*').and_then(|s| s.strip_suffix('*'));
    match (p.strip_prefix('*'), p.strip_suffix('*'), inner) {
        (_, _, Some(mid)) if plain(mid) => Shape::Contains(mid.to_string()),
        (_, Some(head), _) if plain(head) => Shape::Prefix(head.to_string()),
        (Some(tail), _, _) if plain(tail) => Shape::Suffix(tail.to_string()),
        _ => Shape::Regex(regex(p)),
    }
}

/// The anchored regular expression (Rust regex syntax) a pattern means; `.` matches newlines too.
pub fn regex(pattern: &str) -> String {
    let mut out = String::from("(?s)^");
    let mut literal = String::new();
    let flush = |literal: &mut String, out: &mut String| {
        out.push_str(&regex::escape(literal));
        literal.clear();
    };
    for c in pattern.chars() {
        match c {
            '*' => {
                flush(&mut literal, &mut out);
                out.push_str(".*");
            }
            '?' => {
                flush(&mut literal, &mut out);
                out.push('.');
            }
            c => literal.push(c),
        }
    }
    flush(&mut literal, &mut out);
    out.push('$');
    out
}

/// Does `text` match `pattern`? Linear in their lengths' product at worst (no backtracking).
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // The classic two-pointer glob match: on a mismatch, retry from the last `*`, one
    // character further.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || (p[i] != '*' && p[i] == t[j])) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("/a"), Shape::Exact("/a".into()));
        assert_eq!(shape("/blog/*"), Shape::Prefix("/blog/".into()));
        assert_eq!(shape("**.pdf"), Shape::Suffix(".pdf".into()));
        assert_eq!(shape("*loan*"), Shape::Contains("loan".into()));
        assert_eq!(shape("*"), Shape::Contains(String::new()));
        assert_eq!(shape("/a/*/b"), Shape::Regex(r"(?s)^/a/.*/b$".into()));
        assert_eq!(shape("/p?ge"), Shape::Regex(r"(?s)^/p.ge$".into()));
        assert_eq!(shape("a.b*"), Shape::Prefix("a.b".into()));
        assert_eq!(regex("(x)+*"), r"(?s)^\(x\)\+.*$");
    }

    #[test]
    fn matching() {
        assert!(matches("/blog/*", "/blog/"));
        assert!(matches("/blog/*", "/blog/a/b"));
        assert!(!matches("/blog/*", "/blog"));
        assert!(matches("/p?ge", "/page"));
        assert!(!matches("/p?ge", "/pge"));
        assert!(matches("*a*b", "xxaxxb"));
        assert!(!matches("*a*b", "xxaxxbc"));
        assert!(matches("é?", "éé"));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("**", ""));
    }
}
