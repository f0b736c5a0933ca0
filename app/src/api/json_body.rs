//! A JSON response body written straight from its value's `Serialize`.
//!
//! Hand-written on purpose (poem-openapi has no such payload): its `Json<T>` turns the value into
//! a `serde_json::Value` tree first (a sorted map per object, a new string per field) and only
//! then writes it; for a page of 50 notes that tree was about 40 % of the request's instructions
//! (docs/performance.md, issue 16). The schema in the OpenAPI document is still `T`'s; a test
//! beside each type (`assert_same_json`) checks that both ways write the same JSON.

use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use serde::{Serialize, Serializer};

/// The content type poem-openapi's `Json` answers with.
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A `200` JSON body (or another status's, inside an `ApiResponse` enum), documented as `T`.
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Serialize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder()
                .header(header::CONTENT_TYPE, CONTENT_TYPE)
                .body(body),
            // Only a map with non-string keys or a failing `Serialize` can get here; ours have neither.
            Err(e) => Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(e.to_string()),
        }
    }
}

impl<T: Type + ToJSON + Serialize + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        <Json<T> as ApiResponse>::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A time as poem-openapi writes it (`to_rfc3339`: `+00:00`, not chrono's serde `Z`), for
/// `#[serde(serialize_with = "rfc3339")]`.
pub fn rfc3339<S: Serializer>(at: &chrono::DateTime<chrono::Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut out = String::with_capacity(32);
    crate::domain::write_rfc3339(&mut out, *at);
    s.serialize_str(&out)
}

/// Panics unless `value` writes the same JSON through its `Serialize` as through poem-openapi.
#[cfg(test)]
pub fn assert_same_json<T: ToJSON + Serialize>(value: &T) {
    let ours = serde_json::to_value(value).expect("serializable");
    assert_eq!(Some(ours), value.to_json());
}
