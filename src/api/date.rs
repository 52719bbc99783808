//! Date arguments that report a bad value by name. The `NaiveDate` input of
//! async-graphql 7 fails before the resolver runs, with a message that
//! names neither the argument nor the value (`failed to parse "NaiveDate":
//! input contains invalid characters`). [`DateArg`] is the same `NaiveDate`
//! in the schema, but it keeps the value as sent, and the resolver reads it
//! with the argument's name.

use std::borrow::Cow;

use async_graphql::registry::Registry;
use async_graphql::{InputType, InputValueError, InputValueResult, Value};
use chrono::NaiveDate;

/// The form a date argument takes, as chrono reads it.
const DATE_FORMAT: &str = "%Y-%m-%d";

/// A date argument as the client sent it, typed `NaiveDate` in the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct DateArg(Value);

impl DateArg {
    /// Reads the date. An invalid value is a `BAD_USER_INPUT` error that names
    /// the argument, quotes the value and gives the expected form.
    pub fn date(&self, argument: &str) -> async_graphql::Result<NaiveDate> {
        let parsed = match &self.0 {
            Value::String(text) => NaiveDate::parse_from_str(text, DATE_FORMAT).ok(),
            _ => None,
        };
        parsed.ok_or_else(|| {
            super::bad_input(format!(
                "invalid {argument} {}: expected a calendar date as YYYY-MM-DD, such as 2026-01-31",
                self.0
            ))
        })
    }
}

/// Reads an optional date argument with [`DateArg::date`].
pub(super) fn optional_date(
    argument: &str,
    value: Option<&DateArg>,
) -> async_graphql::Result<Option<NaiveDate>> {
    value.map(|value| value.date(argument)).transpose()
}

/// Reads the `asOf` argument, which defaults to today (UTC).
pub(super) fn as_of_or_today(value: Option<&DateArg>) -> async_graphql::Result<NaiveDate> {
    Ok(optional_date("asOf", value)?.unwrap_or_else(super::query::today))
}

/// Registers as chrono's `NaiveDate` scalar, so the schema is unchanged, but
/// accepts any value, which [`DateArg::date`] then checks.
impl InputType for DateArg {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        <NaiveDate as InputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <NaiveDate as InputType>::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        match value {
            Some(value) => Ok(DateArg(value)),
            None => Err(InputValueError::expected_type(Value::Null)),
        }
    }

    fn to_value(&self) -> Value {
        self.0.clone()
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_arguments_name_the_bad_value() {
        let form = "expected a calendar date as YYYY-MM-DD, such as 2026-01-31";
        // Each case: the value sent, and the date or the error message.
        let cases = [
            (
                Value::from("2026-06-30"),
                Ok(NaiveDate::from_ymd_opt(2026, 6, 30)),
            ),
            (
                Value::from("2026-13-45"),
                Err(format!("invalid asOf \"2026-13-45\": {form}")),
            ),
            (
                Value::from("2026-02-30"),
                Err(format!("invalid asOf \"2026-02-30\": {form}")),
            ),
            (
                Value::from("yesterday"),
                Err(format!("invalid asOf \"yesterday\": {form}")),
            ),
            (Value::from(""), Err(format!("invalid asOf \"\": {form}"))),
            (
                Value::from(20260630),
                Err(format!("invalid asOf 20260630: {form}")),
            ),
        ];
        for (value, expected) in cases {
            let got = DateArg(value.clone())
                .date("asOf")
                .map(Some)
                .map_err(|err| err.message);
            assert_eq!(got, expected, "{value}");
        }
    }
}
