//! Modifier groups and their options (DESIGN §9): what a line of a product that offers
//! them may choose, and what each choice adds to its price. A product names the groups
//! it offers in `modifier_group_ids`; the menu shows them with their active options.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use brigade_application::model::{ModifierGroup, ModifierOption};
use brigade_application::usecases::modifiers::{GroupPatch, NewGroup, NewOption, OptionPatch};
use brigade_domain::{Allergens, ModifierGroupId, ModifierOptionId, Money};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ok;
use crate::auth::Acting;
use crate::body::json_body;
use crate::page::{PageQuery, paged};
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct OptionDto {
    pub id: ModifierOptionId,
    pub group_id: ModifierGroupId,
    pub name: String,
    /// Added to the line's unit price (negative for "no cheese").
    pub price_delta: Money,
    pub allergens: Allergens,
    /// Display order within the group, ascending (then by name).
    pub position: i32,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<ModifierOption> for OptionDto {
    fn from(o: ModifierOption) -> Self {
        Self {
            id: o.id,
            group_id: o.group_id,
            name: o.name,
            price_delta: o.price_delta,
            allergens: o.allergens,
            position: o.position,
            active: o.active,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupDto {
    pub id: ModifierGroupId,
    pub name: String,
    /// `min_choices >= 1`.
    pub required: bool,
    pub min_choices: i32,
    pub max_choices: i32,
    /// Every option, inactive ones included, in display order.
    pub options: Vec<OptionDto>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<ModifierGroup> for GroupDto {
    fn from(g: ModifierGroup) -> Self {
        Self {
            id: g.id,
            name: g.name,
            required: g.min_choices >= 1,
            min_choices: g.min_choices,
            max_choices: g.max_choices,
            options: g.options.into_iter().map(OptionDto::from).collect(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Bacon", "price_delta": 1.5, "allergens": []}))]
pub struct CreateOption {
    name: String,
    #[serde(default)]
    price_delta: Option<Money>,
    #[serde(default)]
    allergens: Allergens,
    /// After the group's last option when absent.
    position: Option<i32>,
}

impl From<CreateOption> for NewOption {
    fn from(o: CreateOption) -> Self {
        NewOption {
            name: o.name,
            price_delta: o.price_delta.unwrap_or(Money::ZERO),
            allergens: o.allergens,
            position: o.position,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cooking", "required": true, "max_choices": 1, "options": [{"name": "Rare"}, {"name": "Medium"}, {"name": "Well done"}]}))]
pub struct CreateGroup {
    name: String,
    /// Shorthand for `min_choices` of at least 1 (must agree with it when both are sent).
    required: Option<bool>,
    /// 1 when absent and `required`, else 0.
    min_choices: Option<i32>,
    /// The larger of 1 and `min_choices` when absent.
    max_choices: Option<i32>,
    /// In display order.
    #[serde(default)]
    options: Vec<CreateOption>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroup {
    name: Option<String>,
    required: Option<bool>,
    min_choices: Option<i32>,
    max_choices: Option<i32>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOption {
    name: Option<String>,
    price_delta: Option<Money>,
    allergens: Option<Allergens>,
    position: Option<i32>,
    /// An inactive option leaves the menu and cannot be ordered (lines already ordered
    /// keep it).
    active: Option<bool>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct GroupPath {
    /// The modifier group's id.
    group_id: Uuid,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct OptionPath {
    /// The modifier group's id.
    group_id: Uuid,
    /// The option's id.
    option_id: Uuid,
}

#[utoipa::path(
    tag = "menu",
    operation_id = "list_modifier_groups",
    summary = "The venue's modifier groups",
    params(PageQuery),
    responses((status = 200, description = "By name, each with every option.", body = Vec<GroupDto>))
)]
#[get("/modifier-groups")]
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let groups = state
        .brigade
        .list_modifier_groups(&actor, query.page()?)
        .await?;
    Ok(paged(&req, groups.map(GroupDto::from)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "create_modifier_group",
    summary = "Create a modifier group with its options",
    request_body = CreateGroup,
    responses(
        (status = 201, description = "The new group; the menu's version moves on. Attach it to products with their `modifier_group_ids`.", body = GroupDto),
        (status = 409, description = "`duplicate_option`: two options of one name."),
    )
)]
#[post("/modifier-groups")]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateGroup>(&req, payload).await?.value;
    let group = state
        .brigade
        .create_modifier_group(
            &actor,
            NewGroup {
                name: body.name,
                min_choices: body.min_choices,
                max_choices: body.max_choices,
                required: body.required,
                options: body.options.into_iter().map(NewOption::from).collect(),
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(GroupDto::from(group)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "update_modifier_group",
    summary = "Rename a modifier group or change its choice rules",
    params(GroupPath),
    request_body = UpdateGroup,
    responses((status = 200, description = "The group as changed; the menu's version moves on. Lines already ordered keep their options.", body = GroupDto))
)]
#[patch("/modifier-groups/{group_id}")]
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<GroupPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateGroup>(&req, payload).await?.value;
    let group = state
        .brigade
        .update_modifier_group(
            &actor,
            path.group_id.into(),
            GroupPatch {
                name: body.name,
                min_choices: body.min_choices,
                max_choices: body.max_choices,
                required: body.required,
            },
        )
        .await?;
    Ok(ok(GroupDto::from(group)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "add_modifier_option",
    summary = "Add an option to a modifier group",
    params(GroupPath),
    request_body = CreateOption,
    responses(
        (status = 201, description = "The new option; the menu's version moves on.", body = OptionDto),
        (status = 409, description = "`duplicate_option`: the group has an option of that name."),
    )
)]
#[post("/modifier-groups/{group_id}/options")]
pub(crate) async fn add_option(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<GroupPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateOption>(&req, payload).await?.value;
    let option = state
        .brigade
        .add_modifier_option(&actor, path.group_id.into(), body.into())
        .await?;
    Ok(HttpResponse::Created().json(OptionDto::from(option)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "update_modifier_option",
    summary = "Rename, reprice, reorder or (de)activate an option",
    params(OptionPath),
    request_body = UpdateOption,
    responses(
        (status = 200, description = "The option as changed; the menu's version moves on. Lines already ordered keep the name and price they were sold at.", body = OptionDto),
        (status = 409, description = "`duplicate_option`: the group has an option of that name."),
    )
)]
#[patch("/modifier-groups/{group_id}/options/{option_id}")]
pub(crate) async fn update_option(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OptionPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateOption>(&req, payload).await?.value;
    let option = state
        .brigade
        .update_modifier_option(
            &actor,
            path.group_id.into(),
            path.option_id.into(),
            OptionPatch {
                name: body.name,
                price_delta: body.price_delta,
                allergens: body.allergens,
                position: body.position,
                active: body.active,
            },
        )
        .await?;
    Ok(ok(OptionDto::from(option)))
}
