//! Shared text cleaning: transliteration to ASCII, case folding and punctuation.

use deunicode::deunicode;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Returns `raw` transliterated to ASCII, upper-cased, with every character other
/// than letters, digits, spaces and hyphens removed and runs of spaces collapsed.
///
/// Apostrophes and periods are dropped rather than turned into spaces, so
/// `O'Brien` becomes `OBRIEN` and `St. John` becomes `ST JOHN`.
pub fn clean_token(raw: &str) -> String {
    if raw.is_ascii() {
        return clean_ascii(raw);
    }
    clean_ascii(&transliterate(raw))
}

/// Returns `raw` in ASCII. Only letters and digits are transliterated:
/// deunicode would otherwise spell symbols and emoji out as words ("🚓" as
/// "police car"). Accents sent decomposed (N followed by U+0303) are
/// composed first, and marks with no composed form are dropped, so a name
/// reads the same however its source encoded the accents.
fn transliterate(raw: &str) -> String {
    let letters: String = raw
        .nfc()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| {
            if c.is_alphanumeric() || c.is_ascii_punctuation() || is_quote_or_dash(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    deunicode(&letters)
}

/// Cleans ASCII text as [`clean_token`] describes. Most fields are ASCII
/// already, and skip [`transliterate`], which would copy them twice and
/// change nothing.
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
    let edge = |c: char| c == ' ' || c == '-';
    let trimmed = out.trim_matches(edge);
    // A byte scan: `str::contains` sets up a substring search per call,
    // which cost more than the rest of this function on short names.
    let spaced_dash = trimmed
        .as_bytes()
        .windows(2)
        .any(|pair| matches!(pair, [b' ', b'-'] | [b'-', b' ']));
    if spaced_dash {
        return trimmed.replace(" -", "-").replace("- ", "-");
    }
    let end = out.trim_end_matches(edge).len();
    out.truncate(end);
    let start = end - out.trim_start_matches(edge).len();
    out.drain(..start);
    out
}

/// Returns whether `c` is a typographic apostrophe, accent or dash, which
/// transliterate to their ASCII forms.
fn is_quote_or_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '\u{2010}'..='\u{2015}'
    )
}

/// Returns whether `c` is an invisible text-direction mark, embedding,
/// override or isolate.
pub(crate) fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Returns whether `c` is a format character, of Unicode general category
/// Cf as Unicode 15.1 lists it. Among them are the zero-width space and
/// joiners (U+200B..U+200D), the word joiner (U+2060), the byte order mark
/// (U+FEFF), the soft hyphen (U+00AD) and the direction marks. Most show as
/// nothing, so a name that contains one looks like the name without it.
pub(crate) fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061c}'
            | '\u{06dd}'
            | '\u{070f}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// Returns the kind of `c`, such as "control character", if a reviewer's
/// name must not hold it: a control character, a text-direction mark or
/// another format character ([`is_format_character`]).
pub(crate) fn unprintable_kind(c: char) -> Option<&'static str> {
    if c.is_control() {
        Some("control character")
    } else if is_direction_mark(c) {
        Some("text-direction character")
    } else if is_format_character(c) {
        Some("invisible format character")
    } else {
        None
    }
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
        check("BRIN\u{303}O\u{301}LEZ, JOSE\u{301}", "BRINOLEZ JOSE");
        check("BRIÑÓLEZ, JOSÉ", "BRINOLEZ JOSE");
        check("Q\u{307}UILL", "QUILL");
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

    #[test]
    fn unprintable_kinds() {
        let cases = [
            ('a', None),
            ('\u{e9}', None),
            ('\u{a0}', None),
            ('\u{fe0f}', None),
            ('\u{7}', Some("control character")),
            ('\u{85}', Some("control character")),
            ('\u{200e}', Some("text-direction character")),
            ('\u{2067}', Some("text-direction character")),
            ('\u{ad}', Some("invisible format character")),
            ('\u{200b}', Some("invisible format character")),
            ('\u{200d}', Some("invisible format character")),
            ('\u{2060}', Some("invisible format character")),
            ('\u{2064}', Some("invisible format character")),
            ('\u{feff}', Some("invisible format character")),
            ('\u{1343f}', Some("invisible format character")),
            ('\u{e007f}', Some("invisible format character")),
        ];
        for (c, kind) in cases {
            assert_eq!(unprintable_kind(c), kind, "U+{:04X}", u32::from(c));
        }
    }

    proptest! {
        #[test]
        fn clean_token_is_idempotent(raw in "\\PC{0,40}") {
            let once = clean_token(&raw);
            prop_assert_eq!(clean_token(&once), once);
        }

        /// The ASCII fast path gives what transliteration would.
        #[test]
        fn ascii_skips_transliteration_safely(raw in "[\\x00-\\x7f]{0,40}") {
            prop_assert_eq!(clean_token(&raw), clean_ascii(&transliterate(&raw)));
        }

        #[test]
        fn clean_token_is_idempotent_on_punctuation(raw in "[a-zA-Z '.,`-]{0,30}") {
            let once = clean_token(&raw);
            prop_assert_eq!(clean_token(&once), once);
        }
    }
}
