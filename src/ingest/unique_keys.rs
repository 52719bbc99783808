//! JSON parsing that rejects an object naming a key twice.
//!
//! serde_json (1.x) keeps the last value of a repeated key and reports
//! nothing, so a record whose source wrote a field twice would be stored
//! with one of its two values. This parser builds the same `Value` in one
//! pass and stops at the first repeated key, with the key's dotted path.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value, map::Entry};

/// Error parsing JSON text.
#[derive(Debug)]
pub(super) enum ParseError {
    /// The text is not JSON.
    Malformed(serde_json::Error),
    /// An object names a key twice.
    DuplicateKey {
        /// Dotted path of the repeated key, with array indexes, such as
        /// `involved.1.role`.
        path: String,
    },
}

/// Parses JSON text as `serde_json::from_str::<Value>` does, but rejects an
/// object that names a key twice.
pub(super) fn parse(text: &str) -> Result<Value, ParseError> {
    // Filled on a repeated key with the steps of its path, innermost first.
    let trail = RefCell::new(Vec::new());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = UniqueKeys { trail: &trail }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(value) => Ok(value),
        Err(_) if !trail.borrow().is_empty() => {
            let mut steps = trail.into_inner();
            steps.reverse();
            Err(ParseError::DuplicateKey {
                path: steps.join("."),
            })
        }
        Err(err) => Err(ParseError::Malformed(err)),
    }
}

/// Builds a `Value`, recording in `trail` the path of the first repeated key.
#[derive(Clone, Copy)]
struct UniqueKeys<'a> {
    trail: &'a RefCell<Vec<String>>,
}

impl UniqueKeys<'_> {
    /// Adds the step to a nested value to the path of a repeated key found
    /// inside it. Other errors leave the trail empty.
    fn note_step(self, step: impl FnOnce() -> String) {
        let mut trail = self.trail.borrow_mut();
        if !trail.is_empty() {
            trail.push(step());
        }
    }
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0));
        loop {
            let index = items.len();
            let item = access
                .next_element_seed(self)
                .inspect_err(|_| self.note_step(|| index.to_string()))?;
            match item {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value = access
                .next_value_seed(self)
                .inspect_err(|_| self.note_step(|| key.clone()))?;
            match map.entry(key) {
                Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                Entry::Occupied(entry) => {
                    self.trail.borrow_mut().push(entry.key().clone());
                    let message = format!("duplicate key {:?}", entry.key());
                    return Err(de::Error::custom(message));
                }
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_matches_serde_json() {
        let texts = [
            r#"{"a":1,"b":[1,-2,3.5,"x",null,true,{"c":{}}],"d":"\u00e9\n"}"#,
            r#"[{"a":1},{"a":1}]"#,
            "12345678901234567890",
            "\"text\"",
        ];
        for text in texts {
            let expected: Value = serde_json::from_str(text).expect("valid JSON");
            let parsed = parse(text).expect(text);
            assert_eq!(parsed, expected, "{text}");
        }
    }

    #[test]
    fn malformed_text_is_not_a_duplicate() {
        for text in [r#"{"a":1,"a""#, r#"{"a":1} x"#, r#"{"a":[1,}"#] {
            let err = parse(text).expect_err(text);
            assert!(matches!(err, ParseError::Malformed(_)), "{text}: {err:?}");
        }
    }
}
