//! "Did you mean" hints for misspelt names and codes in documents: rule and endpoint types,
//! continent, country and subdivision codes, region codes. A hint is given only when one
//! candidate is clearly nearest, so it never guesses between equals.

use crate::codes;
use crate::location::Continent;

/// The Levenshtein distance between two strings, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate nearest to `word` ignoring case: equal ignoring case, or within one edit for
/// words of up to four characters and two for longer ones, and strictly nearer than any
/// other candidate.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let limit = if word.chars().count() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &'a str)> = None;
    let mut tied = false;
    for c in candidates {
        let d = edit_distance(&word, &c.to_lowercase());
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tied = true,
            _ => {
                best = Some((d, c));
                tied = false;
            }
        }
    }
    match best {
        Some((0, c)) => Some(c),
        Some((d, c)) if d <= limit && !tied => Some(c),
        _ => None,
    }
}

/// Codes people write for a country that are not its ISO 3166-1 code.
const COUNTRY_ALIASES: &[(&str, &str)] = &[("UK", "GB"), ("EL", "GR")];

/// A hint for an unknown country code: ` (did you mean "GB", United Kingdom?)`, or empty.
pub(crate) fn country(written: &str) -> String {
    let upper = written.trim().to_ascii_uppercase();
    if let Some((_, code)) = COUNTRY_ALIASES.iter().find(|(alias, _)| *alias == upper) {
        let name = codes::country(code).map(|c| c.name).unwrap_or_default();
        return format!(" (did you mean {code:?}, {name}?)");
    }
    if let Some(c) = Continent::from_code(&upper) {
        return format!(
            " ({upper} is the continent {}: use Continent instead of Country)",
            c.name()
        );
    }
    // A country's name instead of its code.
    if written.chars().count() > 3
        && let Some(name) = closest(written, codes::COUNTRIES.iter().map(|c| c.name))
        && let Some(c) = codes::COUNTRIES.iter().find(|c| c.name == name)
    {
        return format!(" (did you mean {:?}, {}?)", c.code, c.name);
    }
    String::new()
}

/// A hint for an unknown continent code.
pub(crate) fn continent(written: &str) -> String {
    let upper = written.trim().to_ascii_uppercase();
    if let Some(c) = Continent::from_code(&upper) {
        return format!(" (continent codes are upper-case: {:?})", c.code());
    }
    if let Some(c) = codes::country(&upper) {
        return format!(
            " ({upper} is the country {}: use Country, or Continent {:?})",
            c.name,
            c.continent.code()
        );
    }
    let by_name = Continent::ALL.iter().find(|c| {
        let name = c.name().to_lowercase();
        let w = written.trim().to_lowercase();
        w.len() >= 3 && name.starts_with(&w)
    });
    let by_name = by_name.copied().or_else(|| {
        let name = closest(written, Continent::ALL.iter().map(|c| c.name()))?;
        Continent::ALL.into_iter().find(|c| c.name() == name)
    });
    match by_name {
        Some(c) => format!(" (did you mean {:?}, {}?)", c.code(), c.name()),
        None => String::new(),
    }
}

/// A hint for a subdivision code that `country` (US or UA) does not have.
pub(crate) fn subdivision(country: &str, written: &str) -> String {
    let of_country = || codes::SUBDIVISIONS.iter().filter(move |s| s.country == country);
    let upper = written.trim().to_ascii_uppercase();
    if let Some(s) = codes::subdivision(country, &upper) {
        return format!(" (subdivision codes are upper-case: {:?}, {})", s.code, s.name);
    }
    // Ukrainian oblasts are two digits: "5" is "05".
    if upper.len() == 1
        && upper.bytes().all(|b| b.is_ascii_digit())
        && let Some(s) = codes::subdivision(country, &format!("0{upper}"))
    {
        return format!(" (did you mean {:?}, {}?)", s.code, s.name);
    }
    let found = if written.chars().count() > 3 {
        closest(written, of_country().map(|s| s.name))
            .and_then(|name| of_country().find(|s| s.name == name))
    } else {
        None
    };
    match found {
        Some(s) => format!(" (did you mean {:?}, {}?)", s.code, s.name),
        None => String::new(),
    }
}

/// A hint naming the nearest of `candidates`, or empty.
pub(crate) fn one_of<'a>(written: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(written, candidates) {
        Some(c) if c == written => String::new(),
        Some(c) => format!(" (did you mean {c:?}?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, d) in [
            ("", "", 0),
            ("weighted", "weigthed", 2),
            ("geo", "geo", 0),
            ("abc", "", 3),
            ("kitten", "sitting", 3),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a} {b}");
            assert_eq!(edit_distance(b, a), d, "{b} {a}");
        }
    }

    #[test]
    fn hints() {
        let cases: &[(&str, String, &str)] = &[
            (
                "rule type transposed",
                one_of("weigthed", ["failover", "geo", "weighted"]),
                " (did you mean \"weighted\"?)",
            ),
            ("no hint when far", one_of("random", ["failover", "geo", "weighted"]), ""),
            ("tie gives no hint", one_of("ab", ["aa", "bb"]), ""),
            ("UK", country("UK"), " (did you mean \"GB\", United Kingdom?)"),
            ("uk", country("uk"), " (did you mean \"GB\", United Kingdom?)"),
            ("a name", country("Germany"), " (did you mean \"DE\", Germany?)"),
            ("a misspelt name", country("Grmany"), " (did you mean \"DE\", Germany?)"),
            (
                "a continent as country",
                country("EU"),
                " (EU is the continent Europe: use Continent instead of Country)",
            ),
            ("unknown country", country("QQ"), ""),
            ("continent lower-case", continent("eu"), " (continent codes are upper-case: \"EU\")"),
            ("continent name", continent("Europe"), " (did you mean \"EU\", Europe?)"),
            ("continent prefix", continent("EUR"), " (did you mean \"EU\", Europe?)"),
            ("continent typo", continent("Afrika"), " (did you mean \"AF\", Africa?)"),
            (
                "country as continent",
                continent("AU"),
                " (AU is the country Australia: use Country, or Continent \"OC\")",
            ),
            (
                "state lower-case",
                subdivision("US", "wa"),
                " (subdivision codes are upper-case: \"WA\", Washington)",
            ),
            ("state name", subdivision("US", "Califronia"), " (did you mean \"CA\", California?)"),
            ("oblast digit", subdivision("UA", "5"), " (did you mean \"05\", Vinnytska oblast?)"),
            ("unknown state", subdivision("US", "ZZ"), ""),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "{name}");
        }
    }
}
