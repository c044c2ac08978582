//! The OpenAPI 3.1 contract, generated from the route table: each handler carries its
//! path, method and contract (`#[utoipa::path]`), and `routes::mount` registers it with
//! `utoipa_actix_web`, which collects both. What every operation of a kind shares —
//! the bearer scheme and 401, the venue in the path or in `X-Venue-Id`, the statuses a
//! JSON body or a path id can earn, problem+json for every error — is added here, in
//! one place, by [`complete`]. Served at `GET /api/v1/openapi.json`; `brigade openapi`
//! prints it.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi as _;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Header, OpenApi, Ref, RefOr, Required, Response};
use utoipa_actix_web::AppExt;

use crate::ApiError;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Brigade API",
        description = "Restaurant operations: venues and staff, tables, products and stock \
            lots, orders through the kitchen with first-expired-first-out stock. Errors are \
            RFC 9457 problem+json with a stable `code`. Flows, idempotency and conventions: \
            docs/API.md; the kitchen display's WebSocket protocol: docs/REALTIME.md.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "auth", description = "Signing in and out; setting a password with a one-time token."),
        (name = "venues", description = "The caller's venues and their settings."),
        (name = "staff", description = "A venue's members and their roles (admins)."),
        (name = "tables", description = "The floor: tables, their layout and status."),
        (name = "menu", description = "What guests order from: categories, modifier groups with their options, and the menu itself (a conditional read)."),
        (name = "checks", description = "What an order costs and how it was paid: tax classes, the check, payments, refunds."),
        (name = "stock", description = "Products, lots, movements and the stock summary."),
        (name = "orders", description = "Orders from draft to completed, and the kitchen's board."),
        (name = "realtime", description = "The kitchen display's WebSocket and its tickets."),
        (name = "client telemetry", description = "Tablets and screens report timings and errors."),
        (name = "health", description = "Probes for load balancers and operators."),
    ),
)]
struct Base;

/// The optional `Idempotency-Key` header of a creating POST.
pub(crate) struct IdempotencyKey;

impl utoipa::IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_param(
            "Idempotency-Key",
            "Makes a retry safe: the same key with the same body answers the first result \
             (`Idempotent-Replayed: true`); with another body, `422 idempotency_key_reused`.",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .into(),
        )]
    }
}

/// The whole contract.
pub fn openapi() -> OpenApi {
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(Base::openapi())
        .configure(crate::routes::mount)
        .split_for_parts();
    complete(&mut api);
    api
}

static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| openapi().to_json().map_err(|e| e.to_string()));

/// `GET /api/v1/openapi.json`.
pub(crate) async fn document() -> Result<HttpResponse, ApiError> {
    let json = DOCUMENT.as_ref().map_err(|e| {
        tracing::error!(error = %e, "serialising the OpenAPI document failed");
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error",
        )
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(json.clone()))
}

/// Mounts `GET /api/v1/openapi.json` (inside the `/api/v1` scope).
pub(crate) fn route() -> actix_web::Route {
    web::get().to(document)
}

/// The statuses an operation may answer beyond its own, each with the codes behind it.
#[derive(Default)]
struct Extra(BTreeMap<u16, Vec<&'static str>>);

impl Extra {
    fn add(&mut self, status: u16, line: &'static str) {
        self.0.entry(status).or_default().push(line);
    }
}

/// Adds to every operation what its kind shares (see the module's documentation).
fn complete(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("Problem".to_owned(), problem_schema());
    components.security_schemes.insert(
        "bearer".to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("`access_token` from `POST /api/v1/auth/login`."))
                .build(),
        )),
    );
    components.security_schemes.insert(
        "operator".to_owned(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "`BRIGADE_OPERATOR_TOKEN`; when none is configured, requests from the host \
                     itself (loopback, through no proxy) are operators'.",
                ))
                .build(),
        )),
    );
    let paths: HashSet<String> = api.paths.paths.keys().cloned().collect();
    for (path, item) in api.paths.paths.iter_mut() {
        let short_form = path
            .strip_prefix("/api/v1")
            .is_some_and(|rest| paths.contains(&format!("/api/v1/venues/{{venue_id}}{rest}")));
        for operation in operations(item) {
            complete_operation(path, short_form, operation);
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn complete_operation(path: &str, short_form: bool, operation: &mut Operation) {
    let mut extra = Extra::default();
    let health = path.starts_with("/health");
    if path.starts_with("/api/v1/operator/") {
        operation.security = Some(vec![SecurityRequirement::new(
            "operator",
            Vec::<String>::new(),
        )]);
        extra.add(
            401,
            "`operator_required`: no operator token, or a wrong one.",
        );
    }
    let public = health
        || path.starts_with("/api/v1/operator/")
        || matches!(
            operation.operation_id.as_deref(),
            Some("login" | "set_password")
        );
    if path.starts_with("/api/v1/venues/{venue_id}/")
        && let Some(id) = &mut operation.operation_id
    {
        id.push_str("_in_venue");
    }
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if path.contains("{venue_id}") {
        parameters.insert(0, RefOr::T(path_param("venue_id", "The venue's id.")));
    }
    if short_form {
        parameters.push(RefOr::T(header_param(
            "X-Venue-Id",
            "The venue, when the caller belongs to several (or use \
             `/api/v1/venues/{venue_id}/...`).",
            uuid_schema(),
        )));
        extra.add(
            400,
            "`venue_required`: you belong to several venues; name one.",
        );
    }
    let has = |place: ParameterIn, parameters: &[RefOr<Parameter>]| {
        parameters
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    if has(ParameterIn::Path, parameters) {
        extra.add(
            404,
            "`not_found`: no such id here (a malformed id included).",
        );
    }
    if has(ParameterIn::Query, parameters) {
        extra.add(400, "`invalid_query`: a query parameter is malformed.");
    }
    let paged = parameters
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name == "limit"));
    if paged {
        extra.add(
            422,
            "`validation_failed`: `limit` outside 1 to 500, or a negative `offset`.",
        );
    }
    let idempotent = parameters
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"));
    if path.contains("{venue_id}") || short_form {
        extra.add(403, "`forbidden`: your role may not do this here.");
        extra.add(404, "`not_found`: no such venue among yours.");
    }
    if !public {
        if operation.security.is_none() {
            operation.security = Some(vec![SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]);
        }
        extra.add(
            401,
            "`unauthorized`: no token, or an invalid or expired one, or a session that ended.",
        );
    }
    if operation.request_body.is_some() {
        extra.add(
            400,
            "`malformed_json` or `invalid_body`: not JSON, or not the documented shape \
             (unknown fields are refused).",
        );
        extra.add(413, "`payload_too_large`: the body exceeds 64 KiB.");
        extra.add(415, "`unsupported_media_type`: send `application/json`.");
        extra.add(
            422,
            "`validation_failed` or `invalid_reference`: a value is out of range or names \
             nothing.",
        );
    }
    if idempotent {
        extra.add(
            400,
            "`invalid_idempotency_key`: 1 to 255 visible characters.",
        );
        extra.add(
            422,
            "`idempotency_key_reused`: the key came with another body.",
        );
    }
    if !health {
        extra.add(500, "`internal_error`: a fault of the server (logged).");
        extra.add(
            503,
            "`store_unavailable` or `contention`: the database is unavailable or the \
             request collided with a concurrent one; retry after `Retry-After`.",
        );
    }
    let responses = &mut operation.responses.responses;
    for (status, lines) in extra.0 {
        let entry = responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(Response::new(String::new())));
        if let RefOr::T(response) = entry {
            for line in lines {
                if !response.description.contains(line) {
                    if !response.description.is_empty() {
                        response.description.push(' ');
                    }
                    response.description.push_str(line);
                }
            }
        }
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && status.as_str() >= "400"
        {
            problem_response(status, response);
        }
    }
    if paged && let Some(RefOr::T(response)) = responses.get_mut("200") {
        let mut link = Header::new(ObjectBuilder::new().schema_type(Type::String));
        link.description = Some(
            "`<path?limit=..&offset=..>; rel=\"next\"` while another page follows \
             (the request's other parameters kept); absent on the last page."
                .to_owned(),
        );
        response
            .headers
            .insert(header::LINK.to_string(), RefOr::T(link));
    }
}

/// An error answers problem+json, with `WWW-Authenticate` on 401 and `Retry-After` on
/// 429 and 503.
fn problem_response(status: &str, response: &mut Response) {
    if response.content.is_empty() {
        response.content.insert(
            "application/problem+json".to_owned(),
            RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
        );
    }
    let header = match status {
        "401" => Some((header::WWW_AUTHENTICATE, "`Bearer`.")),
        "429" | "503" => Some((header::RETRY_AFTER, "Seconds to wait before retrying.")),
        _ => None,
    };
    if let Some((name, description)) = header {
        let mut value = Header::new(ObjectBuilder::new().schema_type(Type::String));
        value.description = Some(description.to_owned());
        response.headers.insert(name.to_string(), RefOr::T(value));
    }
}

fn problem_schema() -> RefOr<Schema> {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "RFC 9457 problem details. `code` is stable and machine-readable; some codes \
             add members (e.g. `insufficient_stock`: `product_id`, `requested`, \
             `available`; `rate_limited`: `retry_after`).",
        ))
        .property(
            "type",
            string().description(Some("`urn:brigade:problem:<code>`.")),
        )
        .property("title", string())
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property("detail", string())
        .property("code", string())
        .required("type")
        .required("title")
        .required("status")
        .required("detail")
        .required("code")
        .into()
}

fn uuid_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Uuid,
        )))
        .into()
}

fn path_param(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(uuid_schema()))
        .build()
}

fn header_param(name: &str, description: &str, schema: RefOr<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}
