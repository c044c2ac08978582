//! A venue's categories: the sections of its menu, in display order (DESIGN §9).

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use brigade_application::model::Category;
use brigade_application::usecases::menu::{CategoryPatch, NewCategory};
use brigade_domain::CategoryId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ok;
use crate::auth::Acting;
use crate::body::json_body;
use crate::page::{PageQuery, paged};
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryDto {
    pub id: CategoryId,
    pub name: String,
    /// Display order, ascending (then by name).
    pub position: i32,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Category> for CategoryDto {
    fn from(c: Category) -> Self {
        Self {
            id: c.id,
            name: c.name,
            position: c.position,
            active: c.active,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Burgers", "position": 1}))]
pub struct CreateCategory {
    name: String,
    /// After the venue's last category when absent.
    position: Option<i32>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    name: Option<String>,
    position: Option<i32>,
    /// An inactive category and its products leave the menu.
    active: Option<bool>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct CategoryPath {
    /// The category's id.
    category_id: Uuid,
}

#[utoipa::path(
    tag = "menu",
    operation_id = "list_categories",
    summary = "The venue's categories",
    params(PageQuery),
    responses((status = 200, description = "In display order, inactive ones included.", body = Vec<CategoryDto>))
)]
#[get("/categories")]
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let categories = state.brigade.list_categories(&actor, query.page()?).await?;
    Ok(paged(&req, categories.map(CategoryDto::from)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "create_category",
    summary = "Create a category",
    request_body = CreateCategory,
    responses(
        (status = 201, description = "The new category; the menu's version moves on.", body = CategoryDto),
        (status = 409, description = "`duplicate_category`: the venue has a category of that name."),
    )
)]
#[post("/categories")]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateCategory>(&req, payload).await?.value;
    let category = state
        .brigade
        .create_category(
            &actor,
            NewCategory {
                name: body.name,
                position: body.position,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(CategoryDto::from(category)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "update_category",
    summary = "Rename, reorder or (de)activate a category",
    params(CategoryPath),
    request_body = UpdateCategory,
    responses(
        (status = 200, description = "The category as changed; the menu's version moves on.", body = CategoryDto),
        (status = 409, description = "`duplicate_category`: the venue has a category of that name."),
    )
)]
#[patch("/categories/{category_id}")]
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<CategoryPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateCategory>(&req, payload).await?.value;
    let category = state
        .brigade
        .update_category(
            &actor,
            path.category_id.into(),
            CategoryPatch {
                name: body.name,
                position: body.position,
                active: body.active,
            },
        )
        .await?;
    Ok(ok(CategoryDto::from(category)))
}
