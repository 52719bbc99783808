//! Shared text cleaning: transliteration to ASCII, case folding and punctuation.

use deunicode::deunicode;

/// Returns `raw` transliterated to ASCII, upper-cased, with every character other
/// than letters, digits, spaces and hyphens removed and runs of spaces collapsed.
///
/// Apostrophes and periods are dropped rather than turned into spaces, so
/// `O'Brien` becomes `OBRIEN` and `St. John` becomes `ST JOHN`.
pub fn clean_token(raw: &str) -> String {
    // ASCII input needs no transliteration: every character that the first
    // step below would turn into a space also becomes a separator in
    // `clean_ascii`, and deunicode leaves ASCII as it is.
    if raw.is_ascii() {
        return clean_ascii(raw);
    }
    // Only letters and digits are transliterated: deunicode would otherwise
    // spell symbols and emoji out as words ("🚓" as "police car").
    let letters: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_ascii_punctuation() || is_quote_or_dash(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    clean_ascii(&deunicode(&letters))
}

/// Upper-cases ASCII text, keeps letters, digits and hyphens, drops
/// apostrophes, backticks and periods, and turns every other character into
/// one space between words.
fn clean_ascii(ascii: &str) -> String {
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => out.push(c.to_ascii_uppercase()),
            '-' => out.push('-'),
            '\'' | '.' | '`' => {}
            _ => {
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
            }
        }
    }
    let trimmed = out.trim_matches(|c| c == ' ' || c == '-');
    if trimmed.contains(" -") || trimmed.contains("- ") {
        trimmed.replace(" -", "-").replace("- ", "-")
    } else if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

/// Returns whether `c` is a typographic apostrophe, accent or dash, which
/// transliterate to their ASCII forms.
fn is_quote_or_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '\u{2010}'..='\u{2015}'
    )
}

/// Returns `raw` upper-cased with every non-alphanumeric character removed.
pub(crate) fn alnum_upper(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(clean_token(input), expected, "clean_token({input:?})");
    }

    #[test]
    fn clean_token_cases() {
        check("smith", "SMITH");
        check("Seán 🚓", "SEAN");
        check("Ana★Lee", "ANA LEE");
        check("  Smith  ", "SMITH");
        check("José", "JOSE");
        check("Müller", "MULLER");
        check("Zoë", "ZOE");
        check("Ñúñez", "NUNEZ");
        check("O'Brien", "OBRIEN");
        check("O\u{2019}Brien", "OBRIEN");
        check("D`Angelo", "DANGELO");
        check("St. John", "ST JOHN");
        check("St.John", "STJOHN");
        check("Smith,  John", "SMITH JOHN");
        check("Mary\tAnn", "MARY ANN");
        check("Garcia-Lopez", "GARCIA-LOPEZ");
        check("Garcia - Lopez", "GARCIA-LOPEZ");
        check("Garcia \u{2013} Lopez", "GARCIA-LOPEZ");
        check("-Smith-", "SMITH");
        check("2nd", "2ND");
        check("", "");
        check("  .,'  ", "");
    }

    proptest! {
        #[test]
        fn clean_token_is_idempotent(raw in "\\PC{0,40}") {
            let once = clean_token(&raw);
            prop_assert_eq!(clean_token(&once), once);
        }

        #[test]
        fn ascii_path_matches_transliteration(raw in "[ -~\t]{0,40}") {
            // The general path: every non-ASCII-safe character to a space,
            // then deunicode, then the same cleaning.
            let spaced: String = raw
                .chars()
                .map(|c| if c.is_alphanumeric() || c.is_ascii_punctuation() { c } else { ' ' })
                .collect();
            prop_assert_eq!(clean_token(&raw), clean_ascii(&deunicode(&spaced)));
        }

        #[test]
        fn clean_token_is_idempotent_on_punctuation(raw in "[a-zA-Z '.,`-]{0,30}") {
            let once = clean_token(&raw);
            prop_assert_eq!(clean_token(&once), once);
        }
    }
}
