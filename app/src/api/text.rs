//! [`JsonText`]: a JSON string field that accepts only JSON strings. poem-openapi's `String`
//! also takes numbers and booleans (`5` becomes `"5"`), which would let a request that breaks the
//! document through; this one answers them with a 422 instead.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// A string from a JSON body, as sent (the domain types trim and check it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(pub String);

/// The text of an optional field.
pub fn text(field: &Option<JsonText>) -> Option<&str> {
    field.as_ref().map(|t| t.0.as_str())
}

impl Type for JsonText {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for JsonText {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(Self(s)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for JsonText {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl From<&str> for JsonText {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}
