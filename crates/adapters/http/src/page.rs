//! Lists' pages on the wire (DESIGN §11): `?limit=&offset=` in, a bare JSON array out,
//! and `Link: <...>; rel="next"` while another page follows. The rows and the page
//! rules are the application's ([`Page`]); this is only their HTTP form.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use brigade_application::{Page, Paged};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The page a list request asks for (lists with filters carry the same two fields).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    /// Rows per page, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Rows to skip (default 0). Follow the `Link` header rather than counting.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl PageQuery {
    pub(crate) fn page(&self) -> Result<Page, ApiError> {
        requested(self.limit, self.offset)
    }
}

/// The page named by a query's `limit` and `offset`: `422 validation_failed` when out
/// of range.
pub(crate) fn requested(limit: Option<i64>, offset: Option<i64>) -> Result<Page, ApiError> {
    Ok(Page::new(limit, offset)?)
}

/// `200` with the page's rows, and a `Link` to the next page when there is one.
pub(crate) fn paged<T: Serialize>(req: &HttpRequest, page: Paged<T>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(next) = page.next {
        response.insert_header((header::LINK, next_link(req, next)));
    }
    response.json(page.items)
}

/// This request's path and query with the next page's `limit` and `offset`: the
/// client's other parameters (filters) are kept as they came.
fn next_link(req: &HttpRequest, next: Page) -> String {
    let mut query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    query.retain(|(name, _)| name != "limit" && name != "offset");
    query.push(("limit".to_owned(), next.limit.to_string()));
    query.push(("offset".to_owned(), next.offset.to_string()));
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    format!("<{}?{query}>; rel=\"next\"", req.path())
}
