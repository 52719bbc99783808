//! Shared text cleaning: transliteration to ASCII, case folding and punctuation.

use deunicode::deunicode;

/// Returns `raw` transliterated to ASCII, upper-cased, with every character other
/// than letters, digits, spaces and hyphens removed and runs of spaces collapsed.
///
/// Apostrophes and periods are dropped rather than turned into spaces, so
/// `O'Brien` becomes `OBRIEN` and `St. John` becomes `ST JOHN`.
pub fn clean_token(raw: &str) -> String {
    let ascii = deunicode(raw);
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
    trimmed.replace(" -", "-").replace("- ", "-")
}

/// Returns `raw` upper-cased with every non-alphanumeric character removed.
pub(crate) fn alnum_upper(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
