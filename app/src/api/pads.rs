//! Pads: list, create, read, rename (`PATCH`), delete (with its notes).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::accounts::{ApiTags, NoContent, example_time};
use super::auth::BearerAuth;
use super::etag::{self, parse_if_match};
use super::json_body::{JsonBody, rfc3339};
use super::owned::PADS;
use super::problem::{AuthError, CreateError, DeleteError, ReadError, UpdateError};
use super::text::{JsonText, text};
use crate::service::Service;
use crate::service::{Pad, VersionedPad};

/// A pad.
#[derive(Debug, Object, serde::Serialize)]
#[oai(example)]
pub struct PadOut {
    pub id: i64,
    pub name: String,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl Example for PadOut {
    fn example() -> Self {
        Self {
            id: 3,
            name: "Recipes".to_owned(),
            created_at: example_time(),
        }
    }
}

impl From<&Pad> for PadOut {
    fn from(p: &Pad) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            created_at: p.created_at,
        }
    }
}

/// A pad's fields: the same rules as the pad form.
#[derive(Debug, Object)]
#[oai(example)]
pub struct PadInput {
    /// 1 to 100 characters (surrounding spaces are trimmed).
    pub name: Option<JsonText>,
}

impl Example for PadInput {
    fn example() -> Self {
        Self {
            name: Some(JsonText::from("Recipes")),
        }
    }
}

/// All your pads.
#[derive(Debug, Object, serde::Serialize)]
#[oai(example)]
pub struct PadList {
    /// Sorted by name.
    pub items: Vec<PadOut>,
    pub total: i64,
}

impl Example for PadList {
    fn example() -> Self {
        Self {
            items: vec![PadOut::example()],
            total: 1,
        }
    }
}

#[derive(ApiResponse)]
pub enum PadCreated {
    /// The pad, with its address and ETag.
    #[oai(status = 201)]
    Created(
        JsonBody<PadOut>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
pub enum PadResponse {
    /// The pad; send its `ETag` back in `If-Match` when you change it.
    #[oai(status = 200)]
    Ok(JsonBody<PadOut>, #[oai(header = "ETag")] String),
}

fn with_etag(p: VersionedPad) -> PadResponse {
    PadResponse::Ok(JsonBody(PadOut::from(&p.pad)), etag::of(p.version))
}

/// Pads.
pub struct PadsApi(pub Service);

#[OpenApi(tag = "ApiTags::Pads")]
impl PadsApi {
    /// List your pads
    #[oai(path = "/pads", method = "get", operation_id = "listPads")]
    async fn list(&self, auth: BearerAuth) -> Result<JsonBody<PadList>, AuthError> {
        let pads = PADS.answer(self.0.pads(&auth.0.user)).await?;
        Ok(JsonBody(PadList {
            total: pads.len() as i64,
            items: pads.iter().map(PadOut::from).collect(),
        }))
    }

    /// Create a pad
    #[oai(path = "/pads", method = "post", operation_id = "createPad")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: Json<PadInput>,
    ) -> Result<PadCreated, CreateError> {
        let name = text(&body.name).unwrap_or_default();
        let pad = PADS.answer(self.0.create_pad(&auth.0.user, name)).await?;
        Ok(PadCreated::Created(
            JsonBody(PadOut::from(&pad)),
            PADS.location(pad.id),
            etag::of(1),
        ))
    }

    /// Get a pad
    #[oai(path = "/pads/:id", method = "get", operation_id = "getPad")]
    async fn get(&self, auth: BearerAuth, id: Path<i64>) -> Result<PadResponse, ReadError> {
        let pad = PADS.answer(self.0.pad(&auth.0.user, id.0)).await?;
        Ok(with_etag(pad))
    }

    /// Rename a pad
    #[oai(path = "/pads/:id", method = "patch", operation_id = "updatePad")]
    async fn update(
        &self,
        auth: BearerAuth,
        id: Path<i64>,
        /// The pad's `ETag` as you read it: a stale one gets 412.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<PadInput>,
    ) -> Result<PadResponse, UpdateError> {
        let name = text(&body.name).unwrap_or_default();
        let precondition = parse_if_match(if_match.0.as_deref());
        let pad = PADS
            .answer(self.0.rename_pad(&auth.0.user, id.0, name, precondition))
            .await?;
        Ok(with_etag(pad))
    }

    /// Delete a pad and its notes
    #[oai(path = "/pads/:id", method = "delete", operation_id = "deletePad")]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<i64>,
        /// The pad's `ETag` as you read it: a stale one gets 412.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> Result<NoContent, DeleteError> {
        let precondition = parse_if_match(if_match.0.as_deref());
        PADS.answer(self.0.delete_pad(&auth.0.user, id.0, precondition))
            .await?;
        Ok(NoContent::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::json_body::assert_same_json;

    #[test]
    fn a_pad_and_the_list_write_the_json_that_poem_openapi_would() {
        let mut odd = PadOut::example();
        odd.name = "<b>\"&\"</b> ñ".to_owned();
        odd.created_at += chrono::Duration::microseconds(1_500);
        assert_same_json(&odd);
        let mut list = PadList::example();
        list.items.push(odd);
        assert_same_json(&list);
    }
}
