//! The API user (`/api/v1`, app/src/api/): signs up and gets a bearer token once, then in a
//! loop creates a pad and a note in it over JSON, lists and sorts, reads the note with its
//! ETag, patches it with `If-Match`, and deletes the note and the pad. Answers are validated:
//! status and the JSON fields the step depends on.

use goose::prelude::*;
use rand::Rng;
use serde_json::json;

use super::api_call::{ApiCall, ensure};
use crate::recorder;

const J: &str = "api";

/// What the API client keeps.
#[derive(Debug, Clone)]
pub struct ApiSession {
    pub token: String,
    pub tag: String,
    pub loops: u64,
}

/// The API user's scenario.
pub fn scenario() -> Result<Scenario, GooseError> {
    Ok(scenario!("api")
        .register_transaction(
            transaction!(sign_up_and_get_token)
                .set_on_start()
                .set_name("sign up and get a token"),
        )
        .register_transaction(transaction!(crud_over_json).set_name("CRUD over JSON")))
}

/// `POST /api/v1/users`, then `POST /api/v1/tokens`.
pub async fn sign_up_and_get_token(user: &mut GooseUser) -> TransactionResult {
    recorder::current().user_started();
    let tag = format!("{:016x}", rand::rng().random::<u64>());
    let email = format!("lt-api-{tag}@example.com");
    let password = format!("pw-{tag}");
    let creds = json!({"email": email, "password": password});
    let created = ApiCall::new(J, "POST /api/v1/users")
        .json(&creds)
        .expect(201)
        .send(user)
        .await?;
    ensure(created.json["email"] == email.as_str(), || {
        format!("sign-up answered {}", created.json)
    })?;
    let token = ApiCall::new(J, "POST /api/v1/tokens")
        .json(&creds)
        .expect(201)
        .send(user)
        .await?;
    let Some(t) = token.json["token"].as_str().filter(|t| !t.is_empty()) else {
        return Err(format!("no token in {}", token.json).into());
    };
    user.set_session_data(ApiSession {
        token: t.to_string(),
        tag,
        loops: 0,
    });
    Ok(())
}

/// One loop of create, list, read, patch and delete.
pub async fn crud_over_json(user: &mut GooseUser) -> TransactionResult {
    let Some(s) = user.get_session_data_mut::<ApiSession>() else {
        return Err("no token: the sign-up step failed earlier"
            .to_string()
            .into());
    };
    s.loops += 1;
    let (token, n) = (s.token.clone(), s.loops);
    let tok = Some(token.as_str());
    let pad_name = format!("API pad {} {n}", s.tag);
    let note_name = format!("API note {} {n}", s.tag);

    let pad = ApiCall::new(J, "POST /api/v1/pads")
        .bearer(tok)
        .json(&json!({"name": pad_name}))
        .expect(201)
        .send(user)
        .await?;
    ensure(pad.json["name"] == pad_name.as_str(), || {
        format!("pad answered {}", pad.json)
    })?;
    let pad_id = pad.json["id"]
        .as_i64()
        .ok_or_else(|| format!("no pad id in {}", pad.json))?;
    let pads = ApiCall::new(J, "GET /api/v1/pads")
        .bearer(tok)
        .send(user)
        .await?;
    ensure(
        pads.json["items"]
            .as_array()
            .is_some_and(|a| a.iter().any(|p| p["id"] == pad_id)),
        || format!("the new pad {pad_id} is not listed"),
    )?;

    let body = json!({"name": note_name, "text": format!("Written over the API by {n}"), "pad_id": pad_id});
    let note = ApiCall::new(J, "POST /api/v1/notes")
        .bearer(tok)
        .json(&body)
        .expect(201)
        .send(user)
        .await?;
    ensure(note.json["pad_id"] == pad_id, || {
        format!("note answered {}", note.json)
    })?;
    let note_id = note.json["id"]
        .as_i64()
        .ok_or_else(|| format!("no note id in {}", note.json))?;

    let list = ApiCall::new(J, "GET /api/v1/notes?pad={id}&order=name")
        .at(&format!("/api/v1/notes?pad={pad_id}&order=name"))
        .bearer(tok)
        .send(user)
        .await?;
    ensure(list.json["total"] == 1, || {
        format!("the pad should hold one note: {}", list.json)
    })?;

    let path = format!("/api/v1/notes/{note_id}");
    let got = ApiCall::new(J, "GET /api/v1/notes/{id}")
        .at(&path)
        .bearer(tok)
        .send(user)
        .await?;
    ensure(got.json["name"] == note_name.as_str(), || {
        format!("read {}", got.json)
    })?;
    let etag = got.etag.ok_or_else(|| "the note has no ETag".to_string())?;
    let patched = ApiCall::new(J, "PATCH /api/v1/notes/{id}")
        .at(&path)
        .bearer(tok)
        .json(&json!({"text": "edited over the API"}))
        .header("if-match", &etag)
        .send(user)
        .await?;
    ensure(patched.json["text"] == "edited over the API", || {
        format!("patch answered {}", patched.json)
    })?;

    ApiCall::new(J, "DELETE /api/v1/notes/{id}")
        .at(&path)
        .bearer(tok)
        .expect(204)
        .send(user)
        .await?;
    ApiCall::new(J, "DELETE /api/v1/pads/{id}")
        .at(&format!("/api/v1/pads/{pad_id}"))
        .bearer(tok)
        .expect(204)
        .send(user)
        .await?;
    Ok(())
}
