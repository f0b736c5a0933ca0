//! Stylesheets compiled into the binary, served with a content hash in the URL so that browsers
//! may keep them for a year (`immutable`), and an ETag for revalidation.

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Request, Response, handler};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

fn short_hash(path: &str) -> Option<String> {
    let file = StaticFiles::get(path)?;
    Some(
        file.metadata.sha256_hash()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// `/static/<path>?v=<hash>` for a file, so a new release changes the URL of a changed file.
pub fn versioned_url(path: &str) -> String {
    match short_hash(path) {
        Some(hash) => format!("/static/{path}?v={hash}"),
        None => format!("/static/{path}"),
    }
}

#[handler]
pub fn serve(Path(path): Path<String>, req: &Request) -> Response {
    let Some(file) = StaticFiles::get(&path) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body("Not found");
    };
    let etag = format!("\"{}\"", short_hash(&path).unwrap_or_default());
    let cache = if req.uri().query().is_some_and(|q| q.starts_with("v=")) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .header(header::CACHE_CONTROL, cache)
            .finish();
    }
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    Response::builder()
        .header(header::CONTENT_TYPE, mime.as_ref())
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache)
        .body(file.data.into_owned())
}
