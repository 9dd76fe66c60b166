//! "Did you mean …?" for misspelled keywords, rule names, segments and stage names.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_l = word.to_lowercase();
    let mut best: Option<(&str, usize, f64)> = None;
    for cand in candidates {
        let cand_l = cand.to_lowercase();
        if cand_l == word_l {
            return Some(cand);
        }
        let dist = strsim::damerau_levenshtein(&word_l, &cand_l);
        let sim = strsim::jaro_winkler(&word_l, &cand_l);
        // Allow roughly one edit per three characters, and always one.
        let budget = (cand_l.chars().count().max(word_l.chars().count()) / 3).max(1);
        let longest = cand_l.chars().count().max(word_l.chars().count());
        // Replacing every character is not a typo ("A" for "B").
        let close = dist < longest && (dist <= budget || (sim >= 0.9 && dist <= budget + 1));
        if !close {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, d, s)) => dist < d || (dist == d && sim > s),
        };
        if better {
            best = Some((cand, dist, sim));
        }
    }
    best.map(|(c, _, _)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_words_only() {
        let kws = ["kpi", "segment", "when", "optional", "description"];
        assert_eq!(did_you_mean("kpl", kws), Some("kpi"));
        assert_eq!(did_you_mean("segmnet", kws), Some("segment"));
        assert_eq!(did_you_mean("descripton", kws), Some("description"));
        assert_eq!(did_you_mean("banana", kws), None);
        assert_eq!(did_you_mean("x", kws), None);
        assert_eq!(did_you_mean("B", ["A"]), None);
    }
}
