//! "Did you mean …?" by edit distance, shared by every stage that reports an unknown name.

/// The closest candidate to `name`, if one is close enough to be a plausible typo.
pub fn suggest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = match name.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    let lowered = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            // A case-only difference is the most plausible typo of all.
            let distance = if c.to_lowercase() == lowered {
                0
            } else {
                strsim::damerau_levenshtein(&lowered, &c.to_lowercase())
            };
            (distance, c)
        })
        .filter(|&(d, _)| d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// A ready help line: "did you mean `owner`?".
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    suggest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_names_only() {
        let names = ["owner", "version", "deprecated"];
        assert_eq!(suggest("ownr", names), Some("owner"));
        assert_eq!(suggest("Owner", names), Some("owner"));
        assert_eq!(suggest("deprecatd", names), Some("deprecated"));
        assert_eq!(suggest("zzz", names), None);
        assert_eq!(suggest("owner", names), None);
    }
}
