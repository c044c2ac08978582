//! A venue's tax classes (DESIGN §9): the rates its products are sold under, one of
//! them the default. The admins'.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use brigade_application::model::TaxClass;
use brigade_application::usecases::checks::{NewTaxClass, TaxClassPatch};
use brigade_domain::{Percent, TaxClassId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ok;
use crate::auth::Acting;
use crate::body::json_body;
use crate::page::{PageQuery, paged};
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaxClassDto {
    pub id: TaxClassId,
    pub name: String,
    /// In percent.
    pub rate: Percent,
    /// The class of products that name none.
    pub is_default: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<TaxClass> for TaxClassDto {
    fn from(c: TaxClass) -> Self {
        Self {
            id: c.id,
            name: c.name,
            rate: c.rate,
            is_default: c.is_default,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Food", "rate": 10, "is_default": true}))]
pub struct CreateTaxClass {
    name: String,
    /// In percent, up to three decimals (8.875).
    rate: Percent,
    #[serde(default)]
    is_default: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaxClass {
    name: Option<String>,
    /// Lines already ordered keep the rate they were sold at.
    rate: Option<Percent>,
    /// `true` makes it the default (the previous default stops being it).
    is_default: Option<bool>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct TaxClassPath {
    /// The tax class's id.
    tax_class_id: Uuid,
}

#[utoipa::path(
    tag = "checks",
    operation_id = "list_tax_classes",
    summary = "The venue's tax classes",
    params(PageQuery),
    responses((status = 200, description = "By name.", body = Vec<TaxClassDto>))
)]
#[get("/tax-classes")]
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let classes = state
        .brigade
        .list_tax_classes(&actor, query.page()?)
        .await?;
    Ok(paged(&req, classes.map(TaxClassDto::from)))
}

#[utoipa::path(
    tag = "checks",
    operation_id = "create_tax_class",
    summary = "Create a tax class",
    request_body = CreateTaxClass,
    responses(
        (status = 201, description = "The new class (admins).", body = TaxClassDto),
        (status = 409, description = "`duplicate_tax_class`: the venue has a class of that name."),
    )
)]
#[post("/tax-classes")]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateTaxClass>(&req, payload).await?.value;
    let class = state
        .brigade
        .create_tax_class(
            &actor,
            NewTaxClass {
                name: body.name,
                rate: body.rate,
                is_default: body.is_default,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(TaxClassDto::from(class)))
}

#[utoipa::path(
    tag = "checks",
    operation_id = "update_tax_class",
    summary = "Rename, re-rate or make default a tax class",
    params(TaxClassPath),
    request_body = UpdateTaxClass,
    responses(
        (status = 200, description = "The class as changed (admins).", body = TaxClassDto),
        (status = 409, description = "`duplicate_tax_class`: the venue has a class of that name."),
    )
)]
#[patch("/tax-classes/{tax_class_id}")]
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TaxClassPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateTaxClass>(&req, payload).await?.value;
    let class = state
        .brigade
        .update_tax_class(
            &actor,
            path.tax_class_id.into(),
            TaxClassPatch {
                name: body.name,
                rate: body.rate,
                is_default: body.is_default,
            },
        )
        .await?;
    Ok(ok(TaxClassDto::from(class)))
}
