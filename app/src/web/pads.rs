//! Pad pages: create, the pad's notes, rename ("Pad settings"), delete.

use poem::web::Query;
use poem::{Response, handler};

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::service::Precondition;
use crate::web::form::{CheckedForm, form_errors};
use crate::web::notes::{ListParams, note_list};
use crate::web::pages::{Link, NameField, PadDeletePage, PadFormPage};
use crate::web::visit::{Claimed, PathId, SignedIn};

/// The pad form, with the name as typed and its errors.
async fn pad_form(
    page: &SignedIn<'_>,
    pad: Option<Link>,
    name: &str,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let form = NameField {
        name: name.to_owned(),
    };
    page.render(&PadFormPage { pad, form, errors }).await
}

async fn owned_pad(page: &SignedIn<'_>, id: i64) -> Result<Link, AppError> {
    Ok(Link::from(&page.service().pad(&page.user, id).await?.pad))
}

#[handler]
pub async fn create_form(page: SignedIn<'_>) -> Result<Response, AppError> {
    pad_form(&page, None, "", FieldErrors::default()).await
}

#[handler]
pub async fn create(page: SignedIn<'_>, form: CheckedForm) -> Result<Response, AppError> {
    match page
        .service()
        .create_pad(&page.user, form.get("name"))
        .await
    {
        Ok(_) => Ok(page.done("Pad is successfully created", "/")),
        Err(err) => pad_form(&page, None, form.get("name"), form_errors(err)?).await,
    }
}

#[handler]
pub async fn view(
    visit: Claimed<'_>,
    PathId(id): PathId,
    Query(params): Query<ListParams>,
) -> poem::Result<Response> {
    note_list(visit, Some(id), &params).await
}

#[handler]
pub async fn edit_form(page: SignedIn<'_>, PathId(id): PathId) -> Result<Response, AppError> {
    let pad = owned_pad(&page, id).await?;
    let name = pad.name.clone();
    pad_form(&page, Some(pad), &name, FieldErrors::default()).await
}

#[handler]
pub async fn edit(
    page: SignedIn<'_>,
    PathId(id): PathId,
    form: CheckedForm,
) -> Result<Response, AppError> {
    let name = form.get("name");
    match page
        .service()
        .rename_pad(&page.user, id, name, Precondition::Any)
        .await
    {
        Ok(pad) => Ok(page.done(
            "Pad is successfully updated",
            &format!("/pads/{}/", pad.pad.id),
        )),
        Err(err) => {
            let pad = owned_pad(&page, id).await?;
            pad_form(&page, Some(pad), name, form_errors(err)?).await
        }
    }
}

#[handler]
pub async fn delete_form(page: SignedIn<'_>, PathId(id): PathId) -> Result<Response, AppError> {
    let pad = owned_pad(&page, id).await?;
    page.render(&PadDeletePage { pad }).await
}

#[handler]
pub async fn delete(
    page: SignedIn<'_>,
    PathId(id): PathId,
    _form: CheckedForm,
) -> Result<Response, AppError> {
    page.service()
        .delete_pad(&page.user, id, Precondition::Any)
        .await?;
    Ok(page.done("Pad is successfully deleted", "/"))
}
